import Sensors
import Testing
import Wire

// Vectors from sensor-facts.md §2.4 and §2.6. Frames are the six bytes as they come off the wire:
// temperature word, its CRC, humidity word, its CRC.

@Suite struct SensirionCRCTests {
    @Test func datasheetVector_BEEFis92() {
        #expect(SensirionCRC.checksum([0xBE, 0xEF]) == 0x92)
    }

    @Test(arguments: [
        ([0x00, 0x00], 0x81),
        ([0x66, 0x66], 0x93),
        ([0x80, 0x00], 0xA2),
        ([0xFF, 0xFF], 0xAC),
    ] as [([UInt8], UInt8)])
    func computedVectors(word: [UInt8], crc: UInt8) {
        #expect(SensirionCRC.checksum(word) == crc)
    }
}

private let address44 = I2CAddress(0x44)!
/// Status 0x8010 (alert pending, reset detected), what the part reports after a reset.
private let statusAfterReset: [UInt8] = [0x80, 0x10, 0xE1]
/// 25.000 °C and, for the SHT3x, 50.001 %RH; for the SHT4x 56.501 %RH.
private let frame: [UInt8] = [0x66, 0x66, 0x93, 0x80, 0x00, 0xA2]

/// A frame at 25 °C with humidity word `word`.
private func frame(humidity word: [UInt8]) -> [UInt8] {
    [0x66, 0x66, 0x93] + word + [SensirionCRC.checksum(word)]
}

/// A frame with temperature word `word` at 40 % (SHT3x).
private func frame(temperature word: [UInt8]) -> [UInt8] {
    word + [SensirionCRC.checksum(word), 0x66, 0x66, 0x93]
}

/// One measurement by `sensor` at 0x44, the part answering `replies` to its plain reads.
private func measure<Sensor: I2CSensorDriver>(_ sensor: Sensor, replying replies: [[UInt8]]) throws(SensorError) -> SensorSample {
    var bus = ScriptedI2CBus()
    bus.replies[0x44] = replies
    var sensor = sensor
    return try sensor.measure(on: &bus) { _ in }
}

@Suite struct SHT3xTests {
    func bus(replies: [[UInt8]]) -> ScriptedI2CBus {
        var bus = ScriptedI2CBus()
        bus.replies[0x44] = replies
        return bus
    }

    @Test func startThenMeasure_breaksResetsReadsStatusThenMeasuresWithoutStretching() throws {
        var bus = bus(replies: [statusAfterReset, frame])
        var sensor = try #require(SHT3x(address: address44))
        var waits: [Int] = []
        try sensor.start(on: &bus) { waits.append($0) }
        let sample = try sensor.measure(on: &bus) { waits.append($0) }
        #expect(sample == SensorSample(temperature: Millidegrees(25_000), fractionDigits: 2, humidity: RelativeHumidity(millipercent: 50_001, fractionDigits: 2)))
        #expect(bus.trace == [
            "w 44: 30 93",
            "w 44: 30 a2",
            "w 44: f3 2d",
            "r 44: 3 -> 80 10 e1",
            "w 44: 24 00",
            "r 44: 6 -> 66 66 93 80 00 a2",
        ])
        #expect(waits == [1, 10, 1, 16])
        #expect(sensor.name == "SHT3x at 0x44")
    }

    // §2.6: S = 0x6666 is 25.000 °C and 40.000 % exactly by the 65535 formula (Sensirion's
    // shift-by-13 variant would give 24.998 and 39.999).
    @Test(arguments: [
        ([0x00, 0x00], 0),
        ([0x66, 0x66], 40_000),
        ([0x80, 0x00], 50_001),
        ([0xFF, 0xFF], 100_000),
    ] as [([UInt8], Int32)])
    func humidityVectors(word: [UInt8], millipercent: Int32) throws {
        let sample = try measure(try #require(SHT3x(address: address44)), replying: [frame(humidity: word)])
        #expect(sample.temperature == Millidegrees(25_000))
        #expect(sample.humidity == RelativeHumidity(millipercent: millipercent, fractionDigits: 2))
    }

    // §2.6: the formula's ends, -45 and 130 °C, lie outside the part's -40…125 °C.
    @Test(arguments: [
        ([0x00, 0x00], "-45.000"),
        ([0xFF, 0xFF], "130.000"),
    ] as [([UInt8], String)])
    func temperatureOutsideOperatingRange_isImplausible(word: [UInt8], shown: String) throws {
        let sensor = try #require(SHT3x(address: address44))
        #expect(throws: SensorError.implausible(sensor: "SHT3x at 0x44", detail: "\(shown) °C is outside the part's -40 to 125 °C; check the wiring, or replace the part")) {
            try measure(sensor, replying: [frame(temperature: word)])
        }
    }

    @Test func temperatureAtTheRangesLowerEdge() throws {
        // 0x0751 is -45 + 175·1873/65535 = -39.9985 °C, just inside; 0x0750 is -40.0011 °C.
        var bus = bus(replies: [frame(temperature: [0x07, 0x51]), frame(temperature: [0x07, 0x50])])
        var sensor = try #require(SHT3x(address: address44))
        #expect(try sensor.measure(on: &bus) { _ in }.temperature == Millidegrees(-39_998))
        #expect(throws: SensorError.implausible(sensor: "SHT3x at 0x44", detail: "-40.001 °C is outside the part's -40 to 125 °C; check the wiring, or replace the part")) {
            try sensor.measure(on: &bus) { _ in }
        }
    }

    @Test func badHumidityCRC_namesTheHumidityWord() throws {
        let sensor = try #require(SHT3x(address: address44))
        let error = #expect(throws: SensorError.self) { try measure(sensor, replying: [[0x66, 0x66, 0x93, 0x80, 0x00, 0x00]]) }
        #expect(error == .checksumMismatch(sensor: "SHT3x at 0x44", detail: "humidity word 0x8000 came with CRC 0x00, expected 0xa2"))
        #expect(error?.description == "SHT3x at 0x44: checksum mismatch (humidity word 0x8000 came with CRC 0x00, expected 0xa2); check the wiring and pull-ups")
    }

    @Test func badTemperatureCRC_namesTheTemperatureWord() throws {
        let sensor = try #require(SHT3x(address: address44))
        #expect(throws: SensorError.checksumMismatch(sensor: "SHT3x at 0x44", detail: "temperature word 0x6666 came with CRC 0x92, expected 0x93")) {
            try measure(sensor, replying: [[0x66, 0x66, 0x92, 0x80, 0x00, 0xA2]])
        }
    }

    @Test func badStatusCRC_failsStart() throws {
        var bus = bus(replies: [[0x80, 0x10, 0x00]])
        var sensor = try #require(SHT3x(address: address44))
        #expect(throws: SensorError.checksumMismatch(sensor: "SHT3x at 0x44", detail: "status word 0x8010 came with CRC 0x00, expected 0xe1")) {
            try sensor.start(on: &bus) { _ in }
        }
    }

    @Test func readNACKedWhileMeasuring_repollsOnceAfter5ms() throws {
        var bus = bus(replies: [[], frame])
        var sensor = try #require(SHT3x(address: address44))
        var waits: [Int] = []
        let sample = try sensor.measure(on: &bus) { waits.append($0) }
        #expect(sample.temperature == Millidegrees(25_000))
        #expect(bus.trace == ["w 44: 24 00", "r 44: 6 -> nack", "r 44: 6 -> 66 66 93 80 00 a2"])
        #expect(waits == [16, 5])
    }

    @Test func readNACKedTwice_isNotReady() throws {
        var bus = bus(replies: [[], [], frame])
        var sensor = try #require(SHT3x(address: address44))
        #expect(throws: SensorError.notReady(sensor: "SHT3x at 0x44", detail: "still measuring 5 ms past the datasheet's longest conversion time; the next reading tries again, and if this persists power-cycle the sensor")) {
            try sensor.measure(on: &bus) { _ in }
        }
        #expect(bus.trace == ["w 44: 24 00", "r 44: 6 -> nack", "r 44: 6 -> nack"])
    }

    @Test func nothingAtTheAddress_isNoDeviceOnTheFirstCommand() throws {
        var bus = ScriptedI2CBus()
        var sensor = try #require(SHT3x(address: I2CAddress(0x45)!))
        #expect(throws: SensorError.bus(.noDevice(bus: "/dev/i2c-1", address: I2CAddress(0x45)!))) {
            try sensor.start(on: &bus) { _ in }
        }
        #expect(bus.trace == ["w 45: 30 93"])
    }

    @Test func statusReadNACKed_isNoDeviceNotARepoll() throws {
        var bus = bus(replies: [[]])
        var sensor = try #require(SHT3x(address: address44))
        #expect(throws: SensorError.bus(.noDevice(bus: "/dev/i2c-1", address: address44))) {
            try sensor.start(on: &bus) { _ in }
        }
    }

    @Test(arguments: [
        I2CError.ownedByKernelDriver(bus: "/dev/i2c-1", address: I2CAddress(0x44)!),
        .timedOut(bus: "/dev/i2c-1", address: I2CAddress(0x44)!),
    ])
    func injectedBusFailure_passesThroughUnretried(failure: I2CError) throws {
        var bus = bus(replies: [frame])
        bus.failures = [failure]
        var sensor = try #require(SHT3x(address: address44))
        #expect(throws: SensorError.bus(failure)) { try sensor.measure(on: &bus) { _ in } }
        #expect(bus.trace == ["w 44: 24 00"])
    }

    @Test func addresses_onlyThePinStraps() {
        #expect(SHT3x(address: I2CAddress(0x44)!) != nil)
        #expect(SHT3x(address: I2CAddress(0x45)!) != nil)
        #expect(SHT3x(address: I2CAddress(0x46)!) == nil)
    }
}

@Suite struct SHT4xTests {
    func bus(replies: [[UInt8]]) -> ScriptedI2CBus {
        var bus = ScriptedI2CBus()
        bus.replies[0x44] = replies
        return bus
    }

    /// Serial number 0x12345678.
    let serial: [UInt8] = [0x12, 0x34, 0x37, 0x56, 0x78, 0x7D]

    @Test func startThenMeasure_resetsReadsSerialThenMeasuresHighPrecision() throws {
        var bus = bus(replies: [serial, frame])
        var sensor = try #require(SHT4x(address: address44))
        var waits: [Int] = []
        try sensor.start(on: &bus) { waits.append($0) }
        let sample = try sensor.measure(on: &bus) { waits.append($0) }
        #expect(sample == SensorSample(temperature: Millidegrees(25_000), fractionDigits: 2, humidity: RelativeHumidity(millipercent: 56_501, fractionDigits: 2)))
        #expect(bus.trace == [
            "w 44: 94",
            "w 44: 89",
            "r 44: 6 -> 12 34 37 56 78 7d",
            "w 44: fd",
            "r 44: 6 -> 66 66 93 80 00 a2",
        ])
        #expect(waits == [10, 10, 10])
        #expect(sensor.name == "SHT4x at 0x44")
    }

    // §2.6: -6 + 125·S/65535, clamped to 0…100.
    @Test(arguments: [
        ([0x00, 0x00], 0),
        ([0x66, 0x66], 44_000),
        ([0x80, 0x00], 56_501),
        ([0xFF, 0xFF], 100_000),
    ] as [([UInt8], Int32)])
    func humidityVectors_clampedToPercentRange(word: [UInt8], millipercent: Int32) throws {
        let sample = try measure(try #require(SHT4x(address: address44)), replying: [frame(humidity: word)])
        #expect(sample.temperature == Millidegrees(25_000))
        #expect(sample.humidity == RelativeHumidity(millipercent: millipercent, fractionDigits: 2))
    }

    @Test func temperatureOutsideOperatingRange_isImplausible() throws {
        let sensor = try #require(SHT4x(address: address44))
        #expect(throws: SensorError.implausible(sensor: "SHT4x at 0x44", detail: "130.000 °C is outside the part's -40 to 125 °C; check the wiring, or replace the part")) {
            try measure(sensor, replying: [frame(temperature: [0xFF, 0xFF])])
        }
    }

    @Test func badSerialCRC_namesTheWord() throws {
        var bus = bus(replies: [[0x12, 0x34, 0x37, 0x56, 0x78, 0x00]])
        var sensor = try #require(SHT4x(address: address44))
        #expect(throws: SensorError.checksumMismatch(sensor: "SHT4x at 0x44", detail: "serial number (low) word 0x5678 came with CRC 0x00, expected 0x7d")) {
            try sensor.start(on: &bus) { _ in }
        }
    }

    @Test func readNACKedTwice_isNotReady() throws {
        var bus = bus(replies: [[], []])
        var sensor = try #require(SHT4x(address: address44))
        var waits: [Int] = []
        #expect(throws: SensorError.notReady(sensor: "SHT4x at 0x44", detail: "still measuring 5 ms past the datasheet's longest conversion time; the next reading tries again, and if this persists power-cycle the sensor")) {
            try sensor.measure(on: &bus) { waits.append($0) }
        }
        #expect(waits == [10, 5])
    }

    @Test func nothingAtTheAddress_isNoDevice() throws {
        var bus = ScriptedI2CBus()
        var sensor = try #require(SHT4x(address: I2CAddress(0x46)!))
        #expect(throws: SensorError.bus(.noDevice(bus: "/dev/i2c-1", address: I2CAddress(0x46)!))) {
            try sensor.start(on: &bus) { _ in }
        }
    }

    @Test func addresses_onlyTheThreeVariants() {
        #expect(SHT4x(address: I2CAddress(0x46)!) != nil)
        #expect(SHT4x(address: I2CAddress(0x47)!) == nil)
        #expect(SHT4x(address: I2CAddress(0x43)!) == nil)
    }
}
