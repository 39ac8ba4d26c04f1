import Wire

/// A Bosch BME280 (temperature, pressure, humidity) or BMP280 (no humidity) on I²C, in forced
/// mode with Bosch's "weather monitoring" settings: ×1 oversampling on every channel, filter off,
/// one conversion per `measure` (sensor-facts.md §1).
///
/// Boards sold as "BME280" are often BMP280s; ``start(on:wait:)`` tells them apart by chip ID
/// and the driver then reads temperature and pressure only (``variant``, ``hasHumidity``).
public struct BME280: I2CSensorDriver {
    /// Which part answered, from its chip ID.
    public enum Variant: Equatable, Sendable, CustomStringConvertible {
        /// Chip ID 0x60.
        case bme280
        /// Chip ID 0x58, or 0x56/0x57 on engineering samples.
        case bmp280

        public var description: String {
            switch self {
            case .bme280: return "BME280"
            case .bmp280: return "BMP280"
            }
        }
    }

    /// The two addresses the part can have (SDO to GND, SDO to VDDIO); libraries disagree on
    /// which is the default, so both are worth probing.
    public static let addresses: [I2CAddress] = [I2CAddress(0x76)!, I2CAddress(0x77)!]

    public let address: I2CAddress
    /// Nil until ``start(on:wait:)`` has read the chip ID.
    public private(set) var variant: Variant?
    /// Nil until ``start(on:wait:)`` has read it and configured the part.
    public private(set) var calibration: BME280Calibration?

    public init(address: I2CAddress) {
        self.address = address
    }

    /// False on a BMP280, and until ``start(on:wait:)`` has identified the part.
    public var hasHumidity: Bool { variant == .bme280 }

    /// "BME280 at 0x76", or "BMP280 at 0x76" once the chip said so.
    public var name: String { "\(variant ?? .bme280) at \(address)" }

    /// Checks the chip ID, soft-resets the part, reads its calibration and sets the oversampling
    /// (sensor-facts.md §1.3, §1.4). `wait` is given milliseconds.
    ///
    /// - Throws: `.wrongChip` naming what the ID says the part is; `.notReady` when the NVM copy
    ///   after reset does not finish; `.implausible` for an all-0x00 or all-0xFF calibration;
    ///   `.bus` for the bus's errors.
    public mutating func start<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) {
        variant = nil
        calibration = nil
        let found = try identify(try readRegisters(Register.chipID, count: 1, on: &bus)[0])
        variant = found
        try writeRegister(Register.reset, Self.resetCommand, on: &bus)
        try waitUntilClear(Status.imUpdate, first: 2, on: &bus, wait: wait, doing: "copying its calibration after reset")

        let block88 = try readRegisters(Register.calibration88, count: 26, on: &bus)
        let blockE1 = found == .bme280 ? try readRegisters(Register.calibrationE1, count: 7, on: &bus) : nil
        guard !Self.isUniform(block88) else {
            throw .implausible(sensor: name, detail: "calibration reads all 0x\(ASCII.hexadecimalString([block88[0]])); check the wiring and pull-ups")
        }
        guard let parsed = BME280Calibration(registers88: block88, humidityRegisters: blockE1) else {
            throw .implausible(sensor: name, detail: "calibration blocks too short; check the wiring")
        }

        // After the reset the part sleeps, which is when config writes are sure to be taken.
        if found == .bme280 { try writeRegister(Register.controlHumidity, Oversampling.x1, on: &bus) }
        try writeRegister(Register.config, 0x00, on: &bus)
        try writeRegister(Register.controlMeasurement, Self.controlMeasurement(mode: Mode.sleep), on: &bus)
        calibration = parsed
    }

    /// One forced-mode conversion: waits the datasheet's maximum measurement time, then reads all
    /// channels in one burst so they come from the same conversion.
    ///
    /// - Throws: `.notReady` before ``start(on:wait:)`` or when the part is still measuring after
    ///   the polls; `.implausible` for a skipped channel or a value outside the part's range;
    ///   `.bus` for the bus's errors.
    public mutating func measure<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) -> SensorSample {
        guard let variant, let calibration else {
            throw .notReady(sensor: name, detail: "not started; start the driver before measuring")
        }
        // ctrl_hum again because a brown-out reset clears it, and it only latches with the
        // ctrl_meas write that follows.
        if variant == .bme280 { try writeRegister(Register.controlHumidity, Oversampling.x1, on: &bus) }
        try writeRegister(Register.controlMeasurement, Self.controlMeasurement(mode: Mode.forced), on: &bus)
        try waitUntilClear(Status.measuring, first: Self.measurementMilliseconds(humidity: variant == .bme280), on: &bus, wait: wait, doing: "measuring")

        let data = try readRegisters(Register.data, count: variant == .bme280 ? 8 : 6, on: &bus)
        let rawPressure = Int32(data[0]) << 12 | Int32(data[1]) << 4 | Int32(data[2]) >> 4
        let rawTemperature = Int32(data[3]) << 12 | Int32(data[4]) << 4 | Int32(data[5]) >> 4
        guard rawTemperature != Self.skipped20, rawPressure != Self.skipped20 else {
            throw .implausible(sensor: name, detail: "a channel came back skipped (raw 0x80000): the part did not take its settings; check the power supply and restart")
        }

        let (centidegrees, fine) = calibration.temperature(raw: rawTemperature)
        guard (-4000...8500).contains(centidegrees) else {
            throw .implausible(sensor: name, detail: "\(Millidegrees(centidegrees &* 10)) is outside −40…85 °C; check the wiring")
        }
        let pascals = calibration.pressure(raw: rawPressure, fine: fine) >> 8
        guard (30_000...110_000).contains(pascals) else {
            throw .implausible(sensor: name, detail: "\(pascals) Pa is outside 300…1100 hPa; check the wiring")
        }
        var humidity: RelativeHumidity?
        if let trimming = calibration.humidity {
            let rawHumidity = Int32(data[6]) << 8 | Int32(data[7])
            guard rawHumidity != Self.skipped16 else {
                throw .implausible(sensor: name, detail: "humidity came back skipped (raw 0x8000): the part did not take its settings; check the power supply and restart")
            }
            // The formula clamps to 0…100 %, so unlike T and P there is no range left to check.
            let q10 = trimming.relativeHumidity(raw: rawHumidity, fine: fine)
            humidity = RelativeHumidity(millipercent: q10 * 1000 / 1024, fractionDigits: 2)
        }
        return SensorSample(
            temperature: Millidegrees(centidegrees * 10),
            fractionDigits: 2,
            humidity: humidity,
            pressure: Pressure(pascals: Int32(pascals))
        )
    }

    /// The datasheet's maximum conversion time at ×1 oversampling, rounded up to whole
    /// milliseconds: 1.25 ms + 2.3 ms per channel + 0.575 ms each for pressure and humidity
    /// (sensor-facts.md §1.8) — 9.3 ms → 10 with humidity, 6.425 ms → 7 without.
    static func measurementMilliseconds(humidity: Bool) -> Int {
        let microseconds = 1250 + 2300 + (2300 + 575) + (humidity ? 2300 + 575 : 0)
        return (microseconds + 999) / 1000
    }

    private func identify(_ chipID: UInt8) throws(SensorError) -> Variant {
        let sensor = name
        let found = "chip ID 0x\(ASCII.hexadecimalString([chipID]))"
        switch chipID {
        case 0x60: return .bme280
        case 0x56, 0x57, 0x58: return .bmp280
        case 0x61:
            throw .wrongChip(sensor: sensor, detail: "\(found) is a BME680, which this driver does not read")
        case 0x50:
            throw .wrongChip(sensor: sensor, detail: "\(found) is a BMP380 or BMP580, which this driver does not read")
        case 0x55:
            throw .wrongChip(sensor: sensor, detail: "\(found) is a BMP180, which this driver does not read")
        case 0x00, 0xFF:
            throw .wrongChip(sensor: sensor, detail: "\(found) is no chip at all; check the wiring (SDA and SCL swapped, no pull-ups, no 3.3 V)")
        default:
            throw .wrongChip(sensor: sensor, detail: "\(found) is neither a BME280 (0x60) nor a BMP280 (0x58); another part sits at this address — `kelvin scan` lists what answers")
        }
    }

    // Register map and values (sensor-facts.md §1.2).
    enum Register {
        static let calibration88: UInt8 = 0x88
        static let chipID: UInt8 = 0xD0
        static let reset: UInt8 = 0xE0
        static let calibrationE1: UInt8 = 0xE1
        static let controlHumidity: UInt8 = 0xF2
        static let status: UInt8 = 0xF3
        static let controlMeasurement: UInt8 = 0xF4
        static let config: UInt8 = 0xF5
        static let data: UInt8 = 0xF7
    }

    enum Status {
        static let imUpdate: UInt8 = 0x01
        static let measuring: UInt8 = 0x08
    }

    enum Oversampling {
        static let x1: UInt8 = 0b001
    }

    enum Mode {
        static let sleep: UInt8 = 0b00
        static let forced: UInt8 = 0b01
    }

    static let resetCommand: UInt8 = 0xB6
    static let skipped20: Int32 = 0x80000
    static let skipped16: Int32 = 0x8000
    /// Bosch waits 2 ms per try for up to 5 tries after reset; the same bound serves the
    /// conversion, which the datasheet's maximum time should already cover.
    static let statusPolls = 5
    static let pollMilliseconds = 2

    /// osrs_t and osrs_p ×1 with `mode`.
    static func controlMeasurement(mode: UInt8) -> UInt8 {
        Oversampling.x1 << 5 | Oversampling.x1 << 2 | mode
    }

    static func isUniform(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, first == 0x00 || first == 0xFF else { return false }
        return bytes.allSatisfy { $0 == first }
    }

    /// Waits `first` ms, then polls the status register until `mask` clears, waiting between polls.
    private func waitUntilClear<Bus: I2CBus>(_ mask: UInt8, first: Int, on bus: inout Bus, wait: (Int) -> Void, doing activity: String) throws(SensorError) {
        wait(first)
        for poll in 1...Self.statusPolls {
            if try readRegisters(Register.status, count: 1, on: &bus)[0] & mask == 0 { return }
            if poll < Self.statusPolls { wait(Self.pollMilliseconds) }
        }
        throw .notReady(sensor: name, detail: "still \(activity) after \(Self.statusPolls) polls; check the power supply")
    }

    private func readRegisters<Bus: I2CBus>(_ register: UInt8, count: Int, on bus: inout Bus) throws(SensorError) -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try bus.writeThenRead([register], count: count, at: address)
        } catch {
            throw .bus(error)
        }
        guard bytes.count == count else {
            throw .implausible(sensor: name, detail: "asked for \(count) bytes from 0x\(ASCII.hexadecimalString([register])) and got \(bytes.count); check the wiring")
        }
        return bytes
    }

    private func writeRegister<Bus: I2CBus>(_ register: UInt8, _ value: UInt8, on bus: inout Bus) throws(SensorError) {
        do {
            try bus.write([register, value], to: address)
        } catch {
            throw .bus(error)
        }
    }
}
