/// Air pressure in pascals: whole pascals are what the BME280's integer compensation yields, and
/// a pascal is the last digit of hectopascals with two decimals, so printing neither loses nor
/// invents a digit.
public struct Pressure: Equatable, Comparable, Sendable, CustomStringConvertible {
    public var pascals: Int32

    public init(pascals: Int32) { self.pascals = pascals }

    public static func < (lhs: Pressure, rhs: Pressure) -> Bool { lhs.pascals < rhs.pascals }

    /// Writes the pressure in hPa with two decimals: 101_325 Pa is "1013.25".
    public func append(to writer: inout ByteWriter) {
        DecimalFixedPoint.append(pascals, scaleDigits: 2, fractionDigits: 2, to: &writer)
    }

    /// Exactly how many bytes ``append(to:)`` writes.
    public var formattedByteCount: Int {
        DecimalFixedPoint.byteCount(pascals, scaleDigits: 2, fractionDigits: 2)
    }

    public func formatted() -> String {
        ByteWriter.text(capacity: 16) { append(to: &$0) }
    }

    public var description: String { formatted() + " hPa" }
}
