import Sensors
import Testing
import Wire

// Vectors from sensor-facts.md §3.6. Register values are the two bytes as they come off the wire,
// MSB first: 25 °C on a TMP102 is `19 00`, which an SMBus word read would return as 0x0019.

/// A bus with one part at `address` holding `registers` (register → its bytes).
private func bus(_ address: UInt8, _ registers: [UInt8: [UInt8]]) -> ScriptedI2CBus {
    var bus = ScriptedI2CBus()
    bus.wideRegisters[address] = registers
    return bus
}

/// One measurement by `sensor`, the part at `address` holding `registers`.
private func measure<Sensor: I2CSensorDriver>(_ sensor: Sensor, at address: UInt8, registers: [UInt8: [UInt8]]) throws(SensorError) -> SensorSample {
    var bus = bus(address, registers)
    var sensor = sensor
    return try sensor.measure(on: &bus) { _ in }
}

private let at48 = I2CAddress(0x48)!
private let at18 = I2CAddress(0x18)!

@Suite struct TMP117Tests {
    static let id: [UInt8] = [0x01, 0x17]

    @Test func startThenMeasure_checksTheIDThenReadsTheTemperatureWithoutWaiting() throws {
        var bus = bus(0x48, [0x0F: Self.id, 0x00: [0x0C, 0x80]])
        var sensor = try #require(TMP117(address: at48))
        var waits: [Int] = []
        try sensor.start(on: &bus) { waits.append($0) }
        let sample = try sensor.measure(on: &bus) { waits.append($0) }
        #expect(sample == SensorSample(temperature: Millidegrees(25_000), fractionDigits: 2))
        #expect(bus.trace == ["wr 48: 0f / 2 -> 01 17", "wr 48: 00 / 2 -> 0c 80"])
        #expect(waits == [])
        #expect(sensor.name == "TMP117 at 0x48")
    }

    @Test(arguments: [
        ([0x0C, 0x80], 25_000),
        ([0xFF, 0x80], -1_000),
        // One count, 7.8125 m°C, rounds to 8; minus one to -8.
        ([0x00, 0x01], 8),
        ([0xFF, 0xFF], -8),
    ] as [([UInt8], Int32)])
    func vectors(raw: [UInt8], millidegrees: Int32) throws {
        #expect(try measure(#require(TMP117(address: at48)), at: 0x48, registers: [0x00: raw]).temperature == Millidegrees(millidegrees))
    }

    @Test func resetValue8000_isNotReady() throws {
        var bus = bus(0x48, [0x00: [0x80, 0x00]])
        var sensor = try #require(TMP117(address: at48))
        let error = #expect(throws: SensorError.self) { try sensor.measure(on: &bus) { _ in } }
        #expect(error == .notReady(sensor: "TMP117 at 0x48", detail: "no conversion finished yet (the register still holds its reset value 0x8000); the next reading tries again"))
    }

    @Test func aboveTheOperatingRange_isImplausible() throws {
        // 0x4B80 is 151 °C.
        let sensor = try #require(TMP117(address: at48))
        #expect(throws: SensorError.implausible(sensor: "TMP117 at 0x48", detail: "151.000 °C is outside the part's -55 to 150 °C; check the wiring, or replace the part")) {
            try measure(sensor, at: 0x48, registers: [0x00: [0x4B, 0x80]])
        }
    }

    @Test func tmp116ID_isWrongChip() throws {
        var bus = bus(0x48, [0x0F: [0x11, 0x16]])
        var sensor = try #require(TMP117(address: at48))
        let error = #expect(throws: SensorError.self) { try sensor.start(on: &bus) { _ in } }
        #expect(error?.description == "TMP117 at 0x48: device ID register 0x0F reads 0x1116, not a TMP117's 0x0117: another chip answers at 0x48; check the part and the address")
    }

    @Test func tmp119ID_passes() throws {
        // The TMP119 is a later revision of the same die: 0x2117.
        var bus = bus(0x48, [0x0F: [0x21, 0x17]])
        var sensor = try #require(TMP117(address: at48))
        try sensor.start(on: &bus) { _ in }
    }

    @Test func addresses() {
        #expect(TMP117(address: I2CAddress(0x4B)!) != nil)
        #expect(TMP117(address: I2CAddress(0x4C)!) == nil)
    }
}

@Suite struct TMP102Tests {
    /// Power-on configuration: 12 bits, 4 Hz.
    static let normal: [UInt8] = [0x60, 0xA0]
    /// The same with EM set, as the kernel's driver leaves it.
    static let extended: [UInt8] = [0x60, 0xB0]

    @Test func startThenMeasure_readsTheConfigurationOnceThenTheTemperature() throws {
        var bus = bus(0x48, [0x01: Self.normal, 0x00: [0x19, 0x00]])
        var sensor = try #require(TMP102(address: at48))
        var waits: [Int] = []
        try sensor.start(on: &bus) { waits.append($0) }
        let sample = try sensor.measure(on: &bus) { waits.append($0) }
        _ = try sensor.measure(on: &bus) { waits.append($0) }
        #expect(sample == SensorSample(temperature: Millidegrees(25_000), fractionDigits: 2))
        #expect(bus.trace == ["wr 48: 01 / 2 -> 60 a0", "wr 48: 00 / 2 -> 19 00", "wr 48: 00 / 2 -> 19 00"])
        #expect(waits == [])
    }

    @Test(arguments: [
        ([0x19, 0x00], 25_000),
        ([0xE7, 0x00], -25_000),
        // -0.0625 °C is -62.5 m°C, rounded half away from zero.
        ([0xFF, 0xF0], -63),
    ] as [([UInt8], Int32)])
    func normalModeVectors(raw: [UInt8], millidegrees: Int32) throws {
        var bus = bus(0x48, [0x01: Self.normal, 0x00: raw])
        var sensor = try #require(TMP102(address: at48))
        try sensor.start(on: &bus) { _ in }
        #expect(try sensor.measure(on: &bus) { _ in }.temperature == Millidegrees(millidegrees))
    }

    @Test(arguments: [
        // Bit 0 is the EM flag, not temperature.
        ([0x0C, 0x81], 25_000),
        // 150 °C, beyond what 12 bits can hold.
        ([0x4B, 0x01], 150_000),
        ([0xF3, 0x81], -25_000),
    ] as [([UInt8], Int32)])
    func extendedModeVectors(raw: [UInt8], millidegrees: Int32) throws {
        var bus = bus(0x48, [0x01: Self.extended, 0x00: raw])
        var sensor = try #require(TMP102(address: at48))
        try sensor.start(on: &bus) { _ in }
        #expect(try sensor.measure(on: &bus) { _ in }.temperature == Millidegrees(millidegrees))
    }

    @Test func extendedModeValue_readAsNormal_wouldBeHalf() throws {
        // Why start() reads EM: the extended-mode 25 °C read with the 12-bit decode is 12.5 °C.
        var bus = bus(0x48, [0x01: Self.normal, 0x00: [0x0C, 0x81]])
        var sensor = try #require(TMP102(address: at48))
        try sensor.start(on: &bus) { _ in }
        #expect(try sensor.measure(on: &bus) { _ in }.temperature == Millidegrees(12_500))
    }

    @Test func nothingAtTheAddress_isNoDevice() throws {
        var bus = ScriptedI2CBus()
        var sensor = try #require(TMP102(address: I2CAddress(0x49)!))
        #expect(throws: SensorError.bus(.noDevice(bus: "/dev/i2c-1", address: I2CAddress(0x49)!))) {
            try sensor.start(on: &bus) { _ in }
        }
        #expect(bus.trace == ["wr 49: 01 / 2 -> nack"])
    }

    @Test func addresses() {
        #expect(TMP102(address: I2CAddress(0x48)!) != nil)
        #expect(TMP102(address: I2CAddress(0x4C)!) == nil)
    }
}

@Suite struct MCP9808Tests {
    static let ids: [UInt8: [UInt8]] = [0x06: [0x00, 0x54], 0x07: [0x04, 0x00]]

    @Test func startThenMeasure_checksBothIDsThenReadsTheAmbientRegister() throws {
        var registers = Self.ids
        registers[0x05] = [0x01, 0x94]
        var bus = bus(0x18, registers)
        var sensor = try #require(MCP9808(address: at18))
        var waits: [Int] = []
        try sensor.start(on: &bus) { waits.append($0) }
        let sample = try sensor.measure(on: &bus) { waits.append($0) }
        #expect(sample == SensorSample(temperature: Millidegrees(25_250), fractionDigits: 2))
        #expect(bus.trace == ["wr 18: 06 / 2 -> 00 54", "wr 18: 07 / 2 -> 04 00", "wr 18: 05 / 2 -> 01 94"])
        #expect(waits == [])
        #expect(sensor.name == "MCP9808 at 0x18")
    }

    @Test(arguments: [
        ([0x01, 0x94], 25_250),
        // Critical and upper alert flags set: masked off.
        ([0xC1, 0x94], 25_250),
        ([0x1F, 0xF0], -1_000),
        ([0x1E, 0x70], -25_000),
        // Lower alert flag on a negative reading.
        ([0x3F, 0xF0], -1_000),
    ] as [([UInt8], Int32)])
    func vectors(raw: [UInt8], millidegrees: Int32) throws {
        #expect(try measure(#require(MCP9808(address: at18)), at: 0x18, registers: [0x05: raw]).temperature == Millidegrees(millidegrees))
    }

    @Test func otherManufacturer_isWrongChip() throws {
        var bus = bus(0x18, [0x06: [0x00, 0x00], 0x07: [0x04, 0x00]])
        var sensor = try #require(MCP9808(address: at18))
        #expect(throws: SensorError.wrongChip(sensor: "MCP9808 at 0x18", detail: "manufacturer ID register 0x06 reads 0x0000, not Microchip's 0x0054: another chip answers at 0x18; check the part and the address")) {
            try sensor.start(on: &bus) { _ in }
        }
        #expect(bus.trace == ["wr 18: 06 / 2 -> 00 00"])
    }

    @Test func otherMicrochipDevice_isWrongChip() throws {
        var bus = bus(0x18, [0x06: [0x00, 0x54], 0x07: [0x02, 0x01]])
        var sensor = try #require(MCP9808(address: at18))
        #expect(throws: SensorError.wrongChip(sensor: "MCP9808 at 0x18", detail: "device ID register 0x07 reads 0x0201, not an MCP9808's 0x04xx: another Microchip part answers at 0x18; check the part and the address")) {
            try sensor.start(on: &bus) { _ in }
        }
    }

    @Test func revisionByte_isIgnored() throws {
        var bus = bus(0x18, [0x06: [0x00, 0x54], 0x07: [0x04, 0x01]])
        var sensor = try #require(MCP9808(address: at18))
        try sensor.start(on: &bus) { _ in }
    }

    @Test func belowTheOperatingRange_isImplausible() throws {
        // 0x1D70 is -41 °C.
        let sensor = try #require(MCP9808(address: at18))
        #expect(throws: SensorError.implausible(sensor: "MCP9808 at 0x18", detail: "-41.000 °C is outside the part's -40 to 125 °C; check the wiring, or replace the part")) {
            try measure(sensor, at: 0x18, registers: [0x05: [0x1D, 0x70]])
        }
    }

    @Test func addresses() {
        #expect(MCP9808(address: I2CAddress(0x1F)!) != nil)
        #expect(MCP9808(address: I2CAddress(0x20)!) == nil)
    }
}

@Suite struct LM75Tests {
    @Test func startThenMeasure_readsTheConfigurationByteThenTheTemperature() throws {
        var bus = bus(0x4F, [0x01: [0x00], 0x00: [0x19, 0x00]])
        var sensor = try #require(LM75(address: I2CAddress(0x4F)!))
        var waits: [Int] = []
        try sensor.start(on: &bus) { waits.append($0) }
        let sample = try sensor.measure(on: &bus) { waits.append($0) }
        #expect(sample == SensorSample(temperature: Millidegrees(25_000), fractionDigits: 1))
        #expect(bus.trace == ["wr 4f: 01 / 1 -> 00", "wr 4f: 00 / 2 -> 19 00"])
        #expect(waits == [])
        #expect(sensor.name == "LM75 at 0x4f")
    }

    @Test(arguments: [
        ([0x19, 0x00], 25_000),
        ([0xE7, 0x00], -25_000),
        ([0xFF, 0x80], -500),
        // An 11-bit LM75B's 0.125 °C step, exact in the /256 decode.
        ([0x19, 0x20], 25_125),
    ] as [([UInt8], Int32)])
    func vectors(raw: [UInt8], millidegrees: Int32) throws {
        #expect(try measure(#require(LM75(address: at48)), at: 0x48, registers: [0x00: raw]).temperature == Millidegrees(millidegrees))
    }

    @Test func aboveTheOperatingRange_isImplausible() throws {
        let sensor = try #require(LM75(address: at48))
        #expect(throws: SensorError.implausible(sensor: "LM75 at 0x48", detail: "127.000 °C is outside the part's -55 to 125 °C; check the wiring, or replace the part")) {
            try measure(sensor, at: 0x48, registers: [0x00: [0x7F, 0x00]])
        }
    }

    @Test func nothingAtTheAddress_isNoDevice() throws {
        var bus = ScriptedI2CBus()
        var sensor = try #require(LM75(address: at48))
        let error = #expect(throws: SensorError.self) { try sensor.start(on: &bus) { _ in } }
        #expect(error == .bus(.noDevice(bus: "/dev/i2c-1", address: at48)))
        #expect(error?.description == "no device answered at 0x48 on /dev/i2c-1: check the wiring (SDA, SCL, 3.3 V, GND) and the address — `kelvin scan` lists what answers")
    }

    @Test(arguments: [
        I2CError.ownedByKernelDriver(bus: "/dev/i2c-1", address: I2CAddress(0x48)!),
        .timedOut(bus: "/dev/i2c-1", address: I2CAddress(0x48)!),
    ])
    func injectedBusFailure_passesThrough(failure: I2CError) throws {
        var bus = bus(0x48, [0x00: [0x19, 0x00]])
        bus.failures = [failure]
        var sensor = try #require(LM75(address: at48))
        #expect(throws: SensorError.bus(failure)) { try sensor.measure(on: &bus) { _ in } }
        // The next reading goes through: nothing in the driver stuck.
        #expect(try sensor.measure(on: &bus) { _ in }.temperature == Millidegrees(25_000))
    }
}

/// The same injected failures on the parts with an ID check, which must not read a failed
/// transfer as a wrong chip.
@Suite struct RegisterPartBusFailureTests {
    @Test func busyOnTMP117Start_isOwnedByKernelDriver() throws {
        var bus = bus(0x48, [0x0F: [0x01, 0x17]])
        bus.failures = [.ownedByKernelDriver(bus: "/dev/i2c-1", address: at48)]
        var sensor = try #require(TMP117(address: at48))
        #expect(throws: SensorError.bus(.ownedByKernelDriver(bus: "/dev/i2c-1", address: at48))) {
            try sensor.start(on: &bus) { _ in }
        }
    }

    @Test func timeoutOnMCP9808Measure_isTimedOut() throws {
        var bus = bus(0x18, MCP9808Tests.ids)
        var sensor = try #require(MCP9808(address: at18))
        try sensor.start(on: &bus) { _ in }
        bus.failures = [.timedOut(bus: "/dev/i2c-1", address: at18)]
        #expect(throws: SensorError.bus(.timedOut(bus: "/dev/i2c-1", address: at18))) {
            try sensor.measure(on: &bus) { _ in }
        }
    }
}
