import Sensors
import Testing
import Wire

/// Register images of the datasheet and reference vectors (sensor-facts.md §1.9), behind a
/// scripted bus.
enum BoschImages {
    /// Vector A: the BMP280 datasheet example.
    static let bmp280Calibration: [UInt8] = [
        0x70, 0x6B, 0x43, 0x67, 0x18, 0xFC, 0x7D, 0x8E, 0x43, 0xD6, 0xD0, 0x0B,
        0x27, 0x0B, 0x8C, 0x00, 0xF9, 0xFF, 0x8C, 0x3C, 0xF8, 0xC6, 0x70, 0x17,
    ]
    static let bmp280Data: [UInt8] = [0x65, 0x5A, 0xC0, 0x7E, 0xED, 0x00]

    /// Vector B: the BME280 with humidity.
    static let bme280Calibration: [UInt8] = [
        0x69, 0x6D, 0x36, 0x64, 0x32, 0x00, 0xE9, 0x98, 0x02, 0xD6, 0xD0, 0x0B,
        0x23, 0x16, 0x88, 0xFF, 0xF9, 0xFF, 0x8C, 0x3C, 0xF8, 0xC6, 0x70, 0x17,
    ]
    static let bme280H1: UInt8 = 0x4B
    static let bme280HumidityCalibration: [UInt8] = [0x78, 0x01, 0x00, 0x11, 0x2E, 0x03, 0x1E]
    static let bme280Data: [UInt8] = [0x4F, 0xCA, 0x00, 0x81, 0x32, 0x70, 0x76, 0x49]

    static func registers(chipID: UInt8, calibration: [UInt8], h1: UInt8 = 0, humidity: [UInt8] = [], data: [UInt8]) -> [UInt8: UInt8] {
        var file: [UInt8: UInt8] = [0xD0: chipID, 0xF3: 0x00, 0xA1: h1]
        for (offset, byte) in calibration.enumerated() { file[0x88 + UInt8(offset)] = byte }
        for (offset, byte) in humidity.enumerated() { file[0xE1 + UInt8(offset)] = byte }
        for (offset, byte) in data.enumerated() { file[0xF7 + UInt8(offset)] = byte }
        return file
    }

    static func bme280Bus() -> ScriptedI2CBus {
        var bus = ScriptedI2CBus()
        bus.registers[0x76] = registers(chipID: 0x60, calibration: bme280Calibration, h1: bme280H1, humidity: bme280HumidityCalibration, data: bme280Data)
        return bus
    }

    static func bmp280Bus(chipID: UInt8 = 0x58) -> ScriptedI2CBus {
        var bus = ScriptedI2CBus()
        bus.registers[0x76] = registers(chipID: chipID, calibration: bmp280Calibration, data: bmp280Data)
        return bus
    }
}

@Suite struct BME280Tests {
    let address = I2CAddress(0x76)!

    // MARK: Compensation against the vectors

    @Test func datasheetVectorA_integerFormulasGiveTFine128422And2508AndQ24_8Pressure25767233() throws {
        let calibration = try #require(BME280Calibration(registers88: BoschImages.bmp280Calibration, humidityRegisters: nil))
        #expect([calibration.t1, UInt16(bitPattern: calibration.t2), UInt16(bitPattern: calibration.t3)] == [27504, 26435, UInt16(bitPattern: -1000)])
        #expect(calibration.p1 == 36477)
        #expect([calibration.p2, calibration.p3, calibration.p4, calibration.p5, calibration.p6, calibration.p7, calibration.p8, calibration.p9]
            == [-10685, 3024, 2855, 140, -7, 15500, -14600, 6000])
        #expect(calibration.humidity == nil)

        let temperature = calibration.temperature(raw: 519888)
        #expect(temperature.centidegrees == 2508)
        #expect(temperature.fine == 128422)
        #expect(calibration.pressure(raw: 415148, fine: temperature.fine) == 25767233)
    }

    @Test func referenceVectorB_integerFormulasGiveTemperaturePressureAndHumidity() throws {
        let calibration = try #require(BME280Calibration(
            registers88: BoschImages.bme280Calibration + [0x00, BoschImages.bme280H1],
            humidityRegisters: BoschImages.bme280HumidityCalibration
        ))
        #expect([calibration.t1, UInt16(bitPattern: calibration.t2), UInt16(bitPattern: calibration.t3)] == [28009, 25654, 50])
        #expect(calibration.p1 == 39145)
        #expect([calibration.p2, calibration.p3, calibration.p4, calibration.p5, calibration.p6, calibration.p7, calibration.p8, calibration.p9]
            == [-10750, 3024, 5667, -120, -7, 15500, -14600, 6000])
        let humidity = try #require(calibration.humidity)
        #expect(humidity.h1 == 75 && humidity.h2 == 376 && humidity.h3 == 0)
        #expect(humidity.h4 == 286 && humidity.h5 == 50 && humidity.h6 == 30)

        let temperature = calibration.temperature(raw: 529191)
        #expect(temperature.centidegrees == 2479)
        #expect(temperature.fine == 126911)
        #expect(calibration.pressure(raw: 326816, fine: temperature.fine) == 25769253)
        #expect(humidity.relativeHumidity(raw: 30281, fine: temperature.fine) == 70317)
    }

    @Test func vectorC_negativeHumidityCalibrationPacking_decodesSignedH2H4H5H6() throws {
        let humidity = try #require(BME280Calibration.Humidity(h1: 0, registersE1: [0x38, 0xFF, 0x00, 0xEA, 0x23, 0xFE, 0xF8]))
        #expect(humidity.h2 == -200)
        #expect(humidity.h3 == 0)
        #expect(humidity.h4 == -349)
        #expect(humidity.h5 == -30)
        #expect(humidity.h6 == -8)
    }

    @Test func shortCalibrationBlocks_parseToNil() {
        #expect(BME280Calibration(registers88: Array(BoschImages.bmp280Calibration.prefix(23)), humidityRegisters: nil) == nil)
        #expect(BME280Calibration(registers88: BoschImages.bmp280Calibration, humidityRegisters: BoschImages.bme280HumidityCalibration) == nil)
        #expect(BME280Calibration.Humidity(h1: 0, registersE1: [0, 0, 0, 0, 0, 0]) == nil)
    }

    // MARK: The driver on a scripted bus

    @Test func bme280_startThenMeasure_givesVectorBSampleWithHumidity() throws {
        var bus = BoschImages.bme280Bus()
        var sensor = BME280(address: address)
        try sensor.start(on: &bus, wait: { _ in })
        let sample = try sensor.measure(on: &bus, wait: { _ in })

        #expect(sensor.variant == .bme280)
        #expect(sensor.hasHumidity)
        #expect(sensor.name == "BME280 at 0x76")
        #expect(sample == SensorSample(
            temperature: Millidegrees(24_790),
            fractionDigits: 2,
            humidity: RelativeHumidity(millipercent: 68_668, fractionDigits: 2),
            pressure: Pressure(pascals: 100_661)
        ))
        #expect(sample.humidity?.formatted() == "68.67")
    }

    @Test func bme280_startThenMeasure_makesExactlyTheseTransfers() throws {
        var bus = BoschImages.bme280Bus()
        var sensor = BME280(address: address)
        try sensor.start(on: &bus, wait: { _ in })
        _ = try sensor.measure(on: &bus, wait: { _ in })
        #expect(bus.trace == [
            "wr 76: d0 / 1 -> 60",
            "w 76: e0 b6",
            "wr 76: f3 / 1 -> 00",
            "wr 76: 88 / 26 -> 69 6d 36 64 32 00 e9 98 02 d6 d0 0b 23 16 88 ff f9 ff 8c 3c f8 c6 70 17 00 4b",
            "wr 76: e1 / 7 -> 78 01 00 11 2e 03 1e",
            "w 76: f2 01",
            "w 76: f5 00",
            "w 76: f4 24",
            // measure
            "w 76: f2 01",
            "w 76: f4 25",
            "wr 76: f3 / 1 -> 00",
            "wr 76: f7 / 8 -> 4f ca 00 81 32 70 76 49",
        ])
    }

    @Test func bme280_waitsTwoMillisecondsAfterResetAndTenForAForcedConversion() throws {
        var bus = BoschImages.bme280Bus()
        var sensor = BME280(address: address)
        var waits: [Int] = []
        try sensor.start(on: &bus, wait: { waits.append($0) })
        _ = try sensor.measure(on: &bus, wait: { waits.append($0) })
        #expect(waits == [2, 10])
    }

    @Test func chipID0x58_isABMP280_readsTemperatureAndPressureOnly() throws {
        var bus = BoschImages.bmp280Bus()
        var sensor = BME280(address: address)
        var waits: [Int] = []
        try sensor.start(on: &bus, wait: { waits.append($0) })
        let sample = try sensor.measure(on: &bus, wait: { waits.append($0) })

        #expect(sensor.variant == .bmp280)
        #expect(!sensor.hasHumidity)
        #expect(sensor.name == "BMP280 at 0x76")
        // Vector A: 25.08 °C and 25767233 / 256 = 100653.25 Pa, of which Pressure keeps whole pascals.
        #expect(sample == SensorSample(temperature: Millidegrees(25_080), fractionDigits: 2, humidity: nil, pressure: Pressure(pascals: 100_653)))
        #expect(sample.temperature.formatted() == "25.08")
        #expect(waits == [2, 7])
        #expect(bus.trace == [
            "wr 76: d0 / 1 -> 58",
            "w 76: e0 b6",
            "wr 76: f3 / 1 -> 00",
            "wr 76: 88 / 26 -> 70 6b 43 67 18 fc 7d 8e 43 d6 d0 0b 27 0b 8c 00 f9 ff 8c 3c f8 c6 70 17 00 00",
            "w 76: f5 00",
            "w 76: f4 24",
            "w 76: f4 25",
            "wr 76: f3 / 1 -> 00",
            "wr 76: f7 / 6 -> 65 5a c0 7e ed 00",
        ])
    }

    @Test(arguments: [0x56, 0x57] as [UInt8])
    func engineeringSampleChipIDs_areBMP280s(chipID: UInt8) throws {
        var bus = BoschImages.bmp280Bus(chipID: chipID)
        var sensor = BME280(address: address)
        try sensor.start(on: &bus, wait: { _ in })
        #expect(sensor.variant == .bmp280)
    }

    @Test(arguments: [
        (0x61, "BME280 at 0x76: chip ID 0x61 is a BME680, which this driver does not read"),
        (0x50, "BME280 at 0x76: chip ID 0x50 is a BMP380 or BMP580, which this driver does not read"),
        (0x55, "BME280 at 0x76: chip ID 0x55 is a BMP180, which this driver does not read"),
        (0x00, "BME280 at 0x76: chip ID 0x00 is no chip at all; check the wiring (SDA and SCL swapped, no pull-ups, no 3.3 V)"),
        (0xFF, "BME280 at 0x76: chip ID 0xff is no chip at all; check the wiring (SDA and SCL swapped, no pull-ups, no 3.3 V)"),
        (0x44, "BME280 at 0x76: chip ID 0x44 is neither a BME280 (0x60) nor a BMP280 (0x58); another part sits at this address — `kelvin scan` lists what answers"),
    ] as [(UInt8, String)])
    func wrongChipID_namesWhatWasFound(chipID: UInt8, message: String) {
        var bus = BoschImages.bmp280Bus(chipID: chipID)
        var sensor = BME280(address: address)
        #expect(throws: SensorError.wrongChip(sensor: "BME280 at 0x76", detail: String(message.dropFirst("BME280 at 0x76: ".count)))) {
            try sensor.start(on: &bus, wait: { _ in })
        }
        do {
            try sensor.start(on: &bus, wait: { _ in })
        } catch {
            #expect(error.description == message)
        }
        #expect(bus.trace.count == 2)
        #expect(sensor.variant == nil)
    }

    @Test func nothingAtTheAddress_isANoDeviceBusErrorThatPointsAtKelvinScan() {
        var bus = BoschImages.bme280Bus()
        var sensor = BME280(address: I2CAddress(0x77)!)
        let expected = SensorError.bus(.noDevice(bus: "/dev/i2c-1", address: I2CAddress(0x77)!))
        #expect(throws: expected) { try sensor.start(on: &bus, wait: { _ in }) }
        #expect(expected.description == "no device answered at 0x77 on /dev/i2c-1: check the wiring (SDA, SCL, 3.3 V, GND) and the address — `kelvin scan` lists what answers")
        #expect(bus.trace == ["wr 77: d0 / 1 -> nack"])
    }

    @Test func kernelDriverOwnsTheAddress_saysSoAndStopsAtTheFirstTransfer() {
        var bus = BoschImages.bme280Bus()
        bus.failures = [.ownedByKernelDriver(bus: "/dev/i2c-1", address: address)]
        var sensor = BME280(address: address)
        var caught: SensorError?
        do {
            try sensor.start(on: &bus, wait: { _ in })
        } catch {
            caught = error
        }
        #expect(caught == .bus(.ownedByKernelDriver(bus: "/dev/i2c-1", address: address)))
        #expect(caught?.description == "a kernel driver owns 0x76 on /dev/i2c-1 (a dtoverlay bound it): read it through its hwmon or IIO source instead, or remove the overlay")
        #expect(bus.trace == ["wr 76: d0 / 1 -> failure"])
    }

    @Test func nvmCopyNeverFinishing_isNotReadyAfterFivePolls() {
        var bus = BoschImages.bme280Bus()
        bus.registers[0x76]?[0xF3] = 0x01
        var sensor = BME280(address: address)
        var waits: [Int] = []
        #expect(throws: SensorError.notReady(sensor: "BME280 at 0x76", detail: "still copying its calibration after reset after 5 polls; check the power supply")) {
            try sensor.start(on: &bus, wait: { waits.append($0) })
        }
        #expect(waits == [2, 2, 2, 2, 2])
        #expect(bus.trace.filter { $0.hasPrefix("wr 76: f3") }.count == 5)
    }

    @Test func conversionNeverFinishing_isNotReadyAfterFivePolls() throws {
        var bus = BoschImages.bme280Bus()
        var sensor = BME280(address: address)
        try sensor.start(on: &bus, wait: { _ in })
        bus.registers[0x76]?[0xF3] = 0x08
        var waits: [Int] = []
        #expect(throws: SensorError.notReady(sensor: "BME280 at 0x76", detail: "still measuring after 5 polls; check the power supply")) {
            _ = try sensor.measure(on: &bus, wait: { waits.append($0) })
        }
        #expect(waits == [10, 2, 2, 2, 2])
    }

    @Test func measureBeforeStart_isNotReady() {
        var bus = BoschImages.bme280Bus()
        var sensor = BME280(address: address)
        #expect(throws: SensorError.notReady(sensor: "BME280 at 0x76", detail: "not started; start the driver before measuring")) {
            _ = try sensor.measure(on: &bus, wait: { _ in })
        }
        #expect(bus.trace.isEmpty)
    }

    /// What `measure` throws after a good start once the data registers hold `data` (by register).
    func measureError(_ bus: ScriptedI2CBus, data: [UInt8: UInt8]) throws -> SensorError? {
        var bus = bus
        var sensor = BME280(address: address)
        try sensor.start(on: &bus, wait: { _ in })
        for (register, byte) in data { bus.registers[0x76]?[register] = byte }
        do {
            _ = try sensor.measure(on: &bus, wait: { _ in })
            return nil
        } catch {
            return error
        }
    }

    @Test func skippedTemperatureChannel_isImplausible() throws {
        #expect(try measureError(BoschImages.bme280Bus(), data: [0xFA: 0x80, 0xFB: 0x00, 0xFC: 0x00])
            == .implausible(sensor: "BME280 at 0x76", detail: "a channel came back skipped (raw 0x80000): the part did not take its settings; check the power supply and restart"))
    }

    @Test func skippedHumidityChannel_isImplausible() throws {
        #expect(try measureError(BoschImages.bme280Bus(), data: [0xFD: 0x80, 0xFE: 0x00])
            == .implausible(sensor: "BME280 at 0x76", detail: "humidity came back skipped (raw 0x8000): the part did not take its settings; check the power supply and restart"))
    }

    @Test func temperatureOutsideTheRatedRange_isImplausible() throws {
        // adc_T = 0xFFFFF with vector A's calibration.
        #expect(try measureError(BoschImages.bmp280Bus(), data: [0xFA: 0xFF, 0xFB: 0xFF, 0xFC: 0xF0])
            == .implausible(sensor: "BMP280 at 0x76", detail: "187.55 °C is outside −40…85 °C; check the wiring"))
    }

    @Test func pressureOutsideTheRatedRange_isImplausible() throws {
        // adc_P = 0 with vector A's calibration and temperature.
        #expect(try measureError(BoschImages.bmp280Bus(), data: [0xF7: 0x00, 0xF8: 0x00, 0xF9: 0x00])
            == .implausible(sensor: "BMP280 at 0x76", detail: "173199 Pa is outside 300…1100 hPa; check the wiring"))
    }

    @Test func allZeroCalibration_isImplausible() {
        var bus = ScriptedI2CBus()
        bus.registers[0x76] = BoschImages.registers(chipID: 0x58, calibration: [UInt8](repeating: 0, count: 24), data: BoschImages.bmp280Data)
        var sensor = BME280(address: address)
        #expect(throws: SensorError.implausible(sensor: "BMP280 at 0x76", detail: "calibration reads all 0x00; check the wiring and pull-ups")) {
            try sensor.start(on: &bus, wait: { _ in })
        }
    }
}
