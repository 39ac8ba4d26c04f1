/// Texas Instruments TMP102: 1/16 °C per count in 12 bits, or 13 in extended mode
/// (sensor-facts.md §3.3).
public struct TMP102: I2CSensorDriver {
    public let address: I2CAddress
    public let name: String
    /// Extended mode (EM, configuration bit 4) as ``start(on:wait:)`` found it. Read, not set:
    /// the kernel's tmp102 driver turns it on and it survives until power-off, so a part last
    /// used through hwmon still answers in 13 bits.
    private var extendedMode = false

    /// -55…150 °C, the datasheet's operating range (above 128 °C only in extended mode).
    private static let range = OperatingRange(degrees: -55...150)

    /// Nil unless `address` is 0x48…0x4B, the four the ADD0 pin selects.
    public init?(address: I2CAddress) {
        guard (0x48...0x4B).contains(address.value) else { return nil }
        self.address = address
        name = "TMP102 at \(address)"
    }

    /// Reads the configuration register (0x01) for the EM bit. The part has no ID register, so
    /// an answer is all the identity there is.
    /// - Throws: `.bus` when nothing answers.
    public mutating func start<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) {
        let configuration = try TemperatureRegister16.read(0x01, at: address, on: &bus, sensor: name)
        extendedMode = configuration & 0x0010 != 0
    }

    /// Reads the latest conversion from register 0x00 in the mode ``start(on:wait:)`` found; no
    /// wait, since the part converts on its own. Two decimals tell every 1/16 °C step apart.
    /// - Throws: `.bus`, `.implausible` outside -55…150 °C.
    public mutating func measure<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) -> SensorSample {
        let raw = try TemperatureRegister16.read(0x00, at: address, on: &bus, sensor: name)
        let format = extendedMode ? TemperatureRegister16.tmp102Extended : .tmp102
        return try format.sample(raw, within: Self.range, fractionDigits: 2, sensor: name)
    }
}
