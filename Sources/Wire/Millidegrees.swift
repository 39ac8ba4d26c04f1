/// A temperature in thousandths of a degree Celsius: the fixed-point unit drivers compute in,
/// so no reading ever passes through floating point on its way to the wire.
public struct Millidegrees: Equatable, Comparable, Sendable, CustomStringConvertible {
    public var value: Int32

    public init(_ value: Int32) { self.value = value }

    public static func < (lhs: Millidegrees, rhs: Millidegrees) -> Bool { lhs.value < rhs.value }

    /// Writes the temperature in °C with `fractionDigits` decimals (0...3), rounding half away
    /// from zero: 23125 with 2 digits is "23.13".
    public func append(to writer: inout ByteWriter, fractionDigits: Int = 2) {
        DecimalFixedPoint.append(value, scaleDigits: 3, fractionDigits: fractionDigits, to: &writer)
    }

    /// Exactly how many bytes ``append(to:fractionDigits:)`` writes.
    public func formattedByteCount(fractionDigits: Int = 2) -> Int {
        DecimalFixedPoint.byteCount(value, scaleDigits: 3, fractionDigits: fractionDigits)
    }

    public func formatted(fractionDigits: Int = 2) -> String {
        ByteWriter.text(capacity: 16) { append(to: &$0, fractionDigits: fractionDigits) }
    }

    public var description: String { formatted() + " °C" }
}
