/// A temperature in thousandths of a degree Celsius: the fixed-point unit drivers compute in,
/// so no reading ever passes through floating point on its way to the wire.
public struct Millidegrees: Equatable, Comparable, Sendable, CustomStringConvertible {
    public var value: Int32

    public init(_ value: Int32) { self.value = value }

    public static func < (lhs: Millidegrees, rhs: Millidegrees) -> Bool { lhs.value < rhs.value }

    /// Writes the temperature in °C with `fractionDigits` decimals (0...3), rounding half away
    /// from zero: 23125 with 2 digits is "23.13".
    public func append(to writer: inout ByteWriter, fractionDigits: Int = 2) {
        let digits = min(max(fractionDigits, 0), 3)
        var divisor: Int64 = 1
        for _ in 0..<(3 - digits) { divisor *= 10 }
        let magnitude = Int64(value).magnitude
        let rounded = (Int64(magnitude) + divisor / 2) / divisor
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        if value < 0 && rounded != 0 { writer.append(UInt8(ascii: "-")) }
        writer.appendDecimal(Int(rounded / scale))
        guard digits > 0 else { return }
        writer.append(UInt8(ascii: "."))
        var fraction = rounded % scale
        var place = scale / 10
        while place > 0 {
            writer.append(UInt8(0x30 + fraction / place))
            fraction %= place
            place /= 10
        }
    }

    public func formatted(fractionDigits: Int = 2) -> String {
        var writer = ByteWriter(capacity: 16)
        append(to: &writer, fractionDigits: fractionDigits)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    public var description: String { formatted() + " °C" }
}
