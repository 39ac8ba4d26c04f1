import Wire

/// One measurement from a sensor, in fixed point, with the resolution worth printing.
public struct SensorSample: Equatable, Sendable {
    public var temperature: Millidegrees
    /// Decimals the sensor resolves (0...3): a DS18B20 at 12 bits is good for 3, a DHT22 for 1.
    public var fractionDigits: Int
    /// Nil when the sensor has no humidity channel.
    public var humidity: RelativeHumidity?
    /// Nil when the sensor has no pressure channel.
    public var pressure: Pressure?

    public init(temperature: Millidegrees, fractionDigits: Int, humidity: RelativeHumidity? = nil, pressure: Pressure? = nil) {
        self.temperature = temperature
        self.fractionDigits = fractionDigits
        self.humidity = humidity
        self.pressure = pressure
    }
}

/// Why a sensor gave no reading: one line naming the part and the fix.
public enum SensorError: Error, Equatable, Sendable, CustomStringConvertible {
    case bus(I2CError)
    /// The identity register held something else (names what was found, e.g. a BMP280's 0x58).
    case wrongChip(sensor: String, detail: String)
    /// A CRC over the sensor's data did not match: noise on the wires, or a loose contact.
    case checksumMismatch(sensor: String, detail: String)
    /// A value no working sensor produces (the DS18B20's 85 °C power-on value, all-zero frames,
    /// readings outside the part's range).
    case implausible(sensor: String, detail: String)
    /// The sensor has not finished measuring or has no data yet.
    case notReady(sensor: String, detail: String)
    /// A kernel source (sysfs file) is missing or unreadable.
    case source(path: String, detail: String)

    public var description: String {
        switch self {
        case .bus(let error): return error.description
        case .wrongChip(let sensor, let detail): return "\(sensor): \(detail)"
        case .checksumMismatch(let sensor, let detail): return "\(sensor): checksum mismatch (\(detail)); check the wiring and pull-ups"
        case .implausible(let sensor, let detail): return "\(sensor): implausible reading (\(detail))"
        case .notReady(let sensor, let detail): return "\(sensor): not ready (\(detail))"
        case .source(let path, let detail): return "\(path): \(detail)"
        }
    }
}

/// A temperature sensor on an I²C bus, as a register map and its arithmetic: the bus does the
/// transfers and `wait` the datasheet's measurement time (in milliseconds), both injected so
/// tests run the datasheet's vectors with no hardware and no sleeping.
public protocol I2CSensorDriver {
    /// For messages: "BME280 at 0x76".
    var name: String { get }
    /// Checks the identity where the chip has one, resets and configures it, reads calibration.
    mutating func start<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError)
    /// One measurement (forced mode where the chip has one).
    mutating func measure<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) -> SensorSample
}
