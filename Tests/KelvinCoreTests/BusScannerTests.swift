import Agent
import Sensors
import Testing

@Suite struct BusScannerTests {
    static func crc(_ high: UInt8, _ low: UInt8) -> UInt8 { SensirionCRC.checksum([high, low]) }

    /// A desk with a BME280, an SHT31, an MCP9808, a TMP117, a kernel-bound LM75 and a HAT EEPROM.
    static func desk() -> ScriptedI2CBus {
        var bus = ScriptedI2CBus()
        bus.registers[0x76] = [0xD0: 0x60]
        bus.replies[0x44] = [[0x80, 0x10, crc(0x80, 0x10)]]
        bus.wideRegisters[0x18] = [0x06: [0x00, 0x54], 0x07: [0x04, 0x00]]
        bus.wideRegisters[0x48] = [0x0F: [0x01, 0x17]]
        bus.registers[0x4C] = [:]
        bus.ownedByKernel = [0x4C]
        bus.registers[0x50] = [0x00: 0xFF]
        return bus
    }

    @Test func desk_isScannedAndEveryKnownPartNamed() throws {
        var bus = Self.desk()
        var waits: [Int] = []
        let found = try BusScanner.scan(&bus) { waits.append($0) }
        #expect(found.map { $0.0.description } == ["0x18", "0x44", "0x48", "0x4c", "0x50", "0x76"])
        #expect(found.map { $0.1 } == [
            .sensor(name: "MCP9808", evidence: "manufacturer 0x0054, device 0x0400", option: "mcp9808:0x18"),
            .sensor(name: "SHT3x", evidence: "status 0x8010", option: "sht3x:0x44"),
            .sensor(name: "TMP117", evidence: "device ID 0x0117", option: "tmp117:0x48"),
            .ownedByKernelDriver,
            .known(name: "probably an EEPROM (a HAT's ID EEPROM is at 0x50)", evidence: "address range"),
            .sensor(name: "BME280", evidence: "chip ID 0x60", option: "bme280:0x76"),
        ])
        #expect(waits == [1])
        // EEPROM ranges are probed by reading, never by writing, as i2cdetect does.
        #expect(bus.trace.contains("r 50: 1 -> ff"))
        #expect(!bus.trace.contains { $0.hasPrefix("w 50") || $0.hasPrefix("w 30") })
    }

    @Test func bmp280SoldAsBME280_isNamedForWhatItIs() {
        var bus = ScriptedI2CBus()
        bus.registers[0x77] = [0xD0: 0x58]
        #expect(BusScanner.identify(I2CAddress(0x77)!, on: &bus) { _ in } == .sensor(name: "BMP280 (no humidity)", evidence: "chip ID 0x58", option: "bmp280:0x77"))
    }

    @Test func anotherBus_isNamedInTheSuggestedOptions() {
        var bus = ScriptedI2CBus()
        bus.registers[0x76] = [0xD0: 0x60]
        bus.registers[0x49] = [:]
        #expect(BusScanner.identify(I2CAddress(0x76)!, on: &bus, busNumber: 0) { _ in } == .sensor(name: "BME280", evidence: "chip ID 0x60", option: "bme280@0:0x76"))
        #expect(BusScanner.identify(I2CAddress(0x49)!, on: &bus, busNumber: 3) { _ in } == .known(name: "TMP102 or LM75-compatible", evidence: "no ID register; try tmp102@3:0x49 or lm75@3:0x49"))
    }

    @Test func missingBus_isTheBusError() {
        var bus = ScriptedI2CBus()
        bus.failures = [.busAbsent(bus: "/dev/i2c-1")]
        #expect(throws: I2CError.busAbsent(bus: "/dev/i2c-1")) { try BusScanner.scan(&bus) { _ in } }
    }
}
