/// Texas Instruments TMP117 (and the register-compatible TMP119): ±0.1 °C, 1/128 °C per count,
/// converting continuously from power-on (sensor-facts.md §3.5).
public struct TMP117: I2CSensorDriver {
    public let address: I2CAddress
    public let name: String

    /// -55…150 °C, the datasheet's operating range.
    private static let range = OperatingRange(degrees: -55...150)
    /// What the temperature register holds until the first conversion ends (-256 °C).
    private static let noConversionYet: UInt16 = 0x8000

    /// Nil unless `address` is 0x48…0x4B, the four the ADD0 pin selects.
    public init?(address: I2CAddress) {
        guard (0x48...0x4B).contains(address.value) else { return nil }
        self.address = address
        name = "TMP117 at \(address)"
    }

    /// Checks the device ID register (0x0F). Its low 12 bits are the part (0x117) and its top 4
    /// the revision, so a TMP119 (0x2117) passes, as it should; a TMP116 (0x1116) does not.
    /// - Throws: `.bus` when nothing answers, `.wrongChip` naming the ID found.
    public mutating func start<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) {
        let id = try TemperatureRegister16.read(0x0F, at: address, on: &bus, sensor: name)
        guard id & 0x0FFF == 0x0117 else {
            throw .wrongChip(sensor: name, detail: "device ID register 0x0F reads \(hexText(id)), not a TMP117's 0x0117: another chip answers at \(address); check the part and the address")
        }
    }

    /// Reads the latest conversion from register 0x00; no wait, since the part converts on its
    /// own. Two decimals: finer than its ±0.1 °C accuracy.
    /// - Throws: `.bus`, `.notReady` before the first conversion (0x8000), `.implausible`
    ///   outside -55…150 °C.
    public mutating func measure<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) -> SensorSample {
        let raw = try TemperatureRegister16.read(0x00, at: address, on: &bus, sensor: name)
        guard raw != Self.noConversionYet else {
            throw .notReady(sensor: name, detail: "no conversion finished yet (the register still holds its reset value 0x8000); the next reading tries again")
        }
        return try TemperatureRegister16.tmp117.sample(raw, within: Self.range, fractionDigits: 2, sensor: name)
    }
}
