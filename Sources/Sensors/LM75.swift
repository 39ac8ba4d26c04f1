/// LM75 and its many compatibles (LM75A, LM75B, and clones of 9 to 11 bits): the one decode that
/// is exact for every variant, since none can be told apart (sensor-facts.md §3.2).
public struct LM75: I2CSensorDriver {
    public let address: I2CAddress
    public let name: String

    /// -55…125 °C, the datasheet's operating range.
    private static let range = OperatingRange(degrees: -55...125)

    /// Nil unless `address` is 0x48…0x4F, the eight the A2…A0 pins select.
    public init?(address: I2CAddress) {
        guard (0x48...0x4F).contains(address.value) else { return nil }
        self.address = address
        name = "LM75 at \(address)"
    }

    /// Reads the one-byte configuration register (0x01), only to see that something answers:
    /// clones have no ID register, and National's 0xA1 at register 7 is on few of them.
    /// - Throws: `.bus` when nothing answers.
    public mutating func start<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) {
        _ = try TemperatureRegister16.readBytes(0x01, count: 1, at: address, on: &bus, sensor: name)
    }

    /// Reads the latest conversion from register 0x00; no wait, since the part converts on its
    /// own. One decimal: the plain LM75 resolves 0.5 °C and nothing tells which variant this is.
    /// - Throws: `.bus`, `.implausible` outside -55…125 °C.
    public mutating func measure<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) -> SensorSample {
        let raw = try TemperatureRegister16.read(0x00, at: address, on: &bus, sensor: name)
        return try TemperatureRegister16.lm75.sample(raw, within: Self.range, fractionDigits: 1, sensor: name)
    }
}
