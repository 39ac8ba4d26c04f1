/// Relative humidity in thousandths of a percent (m%RH, the unit of the kernel's IIO humidity
/// channel and of the Sensirion fixed-point formulas), with the decimals its sensor resolves.
public struct RelativeHumidity: Equatable, Sendable, CustomStringConvertible {
    public var millipercent: Int32
    /// Decimals worth printing (0...3): a DHT22 resolves 0.1 %, a BME280 about 0.001 %.
    public var fractionDigits: Int

    public init(millipercent: Int32, fractionDigits: Int = 2) {
        self.millipercent = millipercent
        self.fractionDigits = fractionDigits
    }

    /// Writes the humidity in percent with its decimals, rounding half away from zero:
    /// 45_195 with 2 digits is "45.20".
    public func append(to writer: inout ByteWriter) {
        DecimalFixedPoint.append(millipercent, scaleDigits: 3, fractionDigits: fractionDigits, to: &writer)
    }

    /// Exactly how many bytes ``append(to:)`` writes.
    public var formattedByteCount: Int {
        DecimalFixedPoint.byteCount(millipercent, scaleDigits: 3, fractionDigits: fractionDigits)
    }

    public func formatted() -> String {
        ByteWriter.text(capacity: 16) { append(to: &$0) }
    }

    public var description: String { formatted() + " %RH" }
}
