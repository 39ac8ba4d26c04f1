import Sensors
import Wire

/// Which sensor `--sensor` names: `simulated`; an I²C part as `bme280[@BUS][:ADDRESS]`; or a
/// kernel source, `hwmon:NAME[:CHANNEL]`, `iio:NAME`, `thermal[:TYPE]`, `ds18b20[:ID]`.
public enum SensorSpec: Equatable, Sendable, CustomStringConvertible {
    case simulated
    case i2c(I2CChip, bus: Int, address: I2CAddress)
    case hwmon(name: String, channel: Int)
    case iio(name: String)
    case thermal(type: String)
    case ds18b20(id: String?)

    /// - Throws: `SensorSpecError` naming the part that is wrong and the accepted forms.
    public init(parsing text: String) throws(SensorSpecError) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map { String($0) }
        let head = parts[0]
        switch head {
        case "simulated":
            guard parts.count == 1 else { throw .malformed(text) }
            self = .simulated
        case "hwmon":
            guard parts.count >= 2, !parts[1].isEmpty else { throw .missingName(text, kind: "hwmon") }
            var channel = 1
            if parts.count == 3 {
                guard let number = ASCII.parseDecimal(parts[2]), number >= 1, number <= 64 else { throw .malformed(text) }
                channel = number
            }
            self = .hwmon(name: parts[1], channel: channel)
        case "iio":
            guard parts.count == 2, !parts[1].isEmpty else { throw .missingName(text, kind: "iio") }
            self = .iio(name: parts[1])
        case "thermal":
            guard parts.count <= 2 else { throw .malformed(text) }
            self = .thermal(type: parts.count == 2 && !parts[1].isEmpty ? parts[1] : "cpu-thermal")
        case "ds18b20":
            guard parts.count <= 2 else { throw .malformed(text) }
            self = .ds18b20(id: parts.count == 2 && !parts[1].isEmpty ? parts[1] : nil)
        default:
            guard parts.count <= 2 else { throw .malformed(text) }
            let chipAndBus = head.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map { String($0) }
            guard let chip = I2CChip(name: chipAndBus[0]) else { throw .unknownSensor(chipAndBus[0]) }
            var bus = 1
            if chipAndBus.count == 2 {
                guard let number = ASCII.parseDecimal(chipAndBus[1]), number >= 0, number <= 255 else { throw .badBus(text) }
                bus = number
            }
            var address = chip.defaultAddress
            if parts.count == 2 {
                guard let parsed = Self.parseAddress(parts[1]) else { throw .badAddress(text) }
                address = parsed
            }
            self = .i2c(chip, bus: bus, address: address)
        }
    }

    /// `0x76` or `118`.
    static func parseAddress(_ text: String) -> I2CAddress? {
        let bytes = Array(text.utf8)
        let value: Int?
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0"), bytes[1] | 0x20 == UInt8(ascii: "x") {
            value = ASCII.parseHexadecimal(bytes[2...])
        } else {
            value = ASCII.parseDecimal(text)
        }
        guard let value, value >= 0, value <= 0x7F else { return nil }
        return I2CAddress(UInt8(value))
    }

    public var description: String {
        switch self {
        case .simulated: return "simulated sensor"
        case .i2c(let chip, let bus, let address): return "\(chip.displayName) at \(address) on /dev/i2c-\(bus)"
        case .hwmon(let name, let channel): return "hwmon \(name) temp\(channel)"
        case .iio(let name): return "IIO device \(name)"
        case .thermal(let type): return "thermal zone \(type)"
        case .ds18b20(let id): return "DS18B20 " + (id ?? "(the only one on 1-Wire)")
        }
    }
}

/// The I²C parts Kelvin has drivers for.
public enum I2CChip: Equatable, Sendable, CaseIterable {
    case bme280, sht3x, sht4x, tmp117, tmp102, mcp9808, lm75

    /// `bmp280` is the same driver: it tells the two apart by chip ID.
    init?(name: String) {
        switch name {
        case "bme280", "bmp280": self = .bme280
        case "sht3x", "sht30", "sht31", "sht35": self = .sht3x
        case "sht4x", "sht40", "sht41", "sht45": self = .sht4x
        case "tmp117": self = .tmp117
        case "tmp102": self = .tmp102
        case "mcp9808": self = .mcp9808
        case "lm75", "lm75a", "lm75b": self = .lm75
        default: return nil
        }
    }

    public var displayName: String {
        switch self {
        case .bme280: return "BME280/BMP280"
        case .sht3x: return "SHT3x"
        case .sht4x: return "SHT4x"
        case .tmp117: return "TMP117"
        case .tmp102: return "TMP102"
        case .mcp9808: return "MCP9808"
        case .lm75: return "LM75"
        }
    }

    /// The address the breakout boards ship with most often (sensor-facts.md §1.1, §2.1, §3).
    public var defaultAddress: I2CAddress {
        switch self {
        case .bme280: return I2CAddress(0x76)!
        case .sht3x, .sht4x: return I2CAddress(0x44)!
        case .tmp117, .tmp102, .lm75: return I2CAddress(0x48)!
        case .mcp9808: return I2CAddress(0x18)!
        }
    }
}

public enum SensorSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownSensor(String)
    case malformed(String)
    case missingName(String, kind: String)
    case badBus(String)
    case badAddress(String)

    static let forms = "simulated, bme280|bmp280|sht3x|sht4x|tmp117|tmp102|mcp9808|lm75[@BUS][:ADDRESS], hwmon:NAME[:CHANNEL], iio:NAME, thermal[:TYPE], ds18b20[:ID]"

    public var description: String {
        switch self {
        case .unknownSensor(let name): return "--sensor: no driver for \"\(name)\"; use one of \(Self.forms)"
        case .malformed(let text): return "--sensor \(text) is not one of \(Self.forms)"
        case .missingName(let text, let kind): return "--sensor \(text) needs the \(kind) device's name, e.g. \(kind):\(kind == "iio" ? "dht11" : "cpu_thermal") (see its name file under /sys)"
        case .badBus(let text): return "--sensor \(text): the bus after @ is a number, e.g. bme280@1 for /dev/i2c-1"
        case .badAddress(let text): return "--sensor \(text): the address is 0x03–0x77, e.g. bme280:0x77"
        }
    }
}
