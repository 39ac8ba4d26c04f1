/// Microchip MCP9808 (JEDEC JC-42.4): 1/16 °C per count at its default resolution, with alert
/// flags sharing the temperature register (sensor-facts.md §3.4).
public struct MCP9808: I2CSensorDriver {
    public let address: I2CAddress
    public let name: String

    /// -40…125 °C, the datasheet's operating range.
    private static let range = OperatingRange(degrees: -40...125)

    /// Nil unless `address` is 0x18…0x1F, the eight the A2…A0 pins select.
    public init?(address: I2CAddress) {
        guard (0x18...0x1F).contains(address.value) else { return nil }
        self.address = address
        name = "MCP9808 at \(address)"
    }

    /// Checks the manufacturer ID (0x06, Microchip's 0x0054) and the device ID's upper byte
    /// (0x07, 0x04; the lower byte is the revision). Other JC-42.4 parts share the register map
    /// but not these IDs.
    /// - Throws: `.bus` when nothing answers, `.wrongChip` naming the ID found.
    public mutating func start<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) {
        let manufacturer = try TemperatureRegister16.read(0x06, at: address, on: &bus, sensor: name)
        guard manufacturer == 0x0054 else {
            throw .wrongChip(sensor: name, detail: "manufacturer ID register 0x06 reads \(hexText(manufacturer)), not Microchip's 0x0054: another chip answers at \(address); check the part and the address")
        }
        let device = try TemperatureRegister16.read(0x07, at: address, on: &bus, sensor: name)
        guard device >> 8 == 0x04 else {
            throw .wrongChip(sensor: name, detail: "device ID register 0x07 reads \(hexText(device)), not an MCP9808's 0x04xx: another Microchip part answers at \(address); check the part and the address")
        }
    }

    /// Reads the ambient temperature register (0x05) with its three alert flags masked off; no
    /// wait, since the part converts on its own. Two decimals tell every 1/16 °C step apart.
    /// - Throws: `.bus`, `.implausible` outside -40…125 °C.
    public mutating func measure<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) -> SensorSample {
        let raw = try TemperatureRegister16.read(0x05, at: address, on: &bus, sensor: name)
        return try TemperatureRegister16.mcp9808.sample(raw, within: Self.range, fractionDigits: 2, sensor: name)
    }
}
