import Sensors
import Wire

/// Which sensor `--sensor` names: `simulated[:BASE[:SWING[:NOISE]]]` (°C); an I²C part as `bme280[@BUS][:ADDRESS]`; or a
/// kernel source, `hwmon:NAME[:CHANNEL]`, `iio:NAME`, `thermal[:TYPE]`, `ds18b20[:ID]`.
public enum SensorSpec: Equatable, Sendable, CustomStringConvertible {
    case simulated(SimulatedSensor.Settings)
    case i2c(I2CChip, bus: Int, address: I2CAddress)
    case hwmon(name: String, channel: Int)
    case iio(name: String)
    case thermal(type: String)
    case ds18b20(id: String?)

    /// - Throws: `SensorSpecError` naming the part that is wrong and the accepted forms.
    public init(parsing text: String) throws(SensorSpecError) {
        let parts = ASCII.split(text, separator: UInt8(ascii: ":"), maxSplits: 3, omittingEmptySubsequences: false)
        let head = parts[0]
        if ASCII.equals(head, "simulated") {
            self = .simulated(try Self.simulation(parts.dropFirst(), text: text))
            return
        }
        guard parts.count <= 3 else { throw .malformed(text) }
        if ASCII.equals(head, "hwmon") {
            guard parts.count >= 2, !parts[1].isEmpty else { throw .missingName(text, kind: "hwmon") }
            var channel = 1
            if parts.count == 3 {
                guard let number = ASCII.parseDecimal(parts[2]), number >= 1, number <= 64 else { throw .malformed(text) }
                channel = number
            }
            self = .hwmon(name: parts[1], channel: channel)
        } else if ASCII.equals(head, "iio") {
            guard parts.count == 2, !parts[1].isEmpty else { throw .missingName(text, kind: "iio") }
            self = .iio(name: parts[1])
        } else if ASCII.equals(head, "thermal") {
            guard parts.count <= 2 else { throw .malformed(text) }
            self = .thermal(type: parts.count == 2 && !parts[1].isEmpty ? parts[1] : "cpu-thermal")
        } else if ASCII.equals(head, "ds18b20") {
            guard parts.count <= 2 else { throw .malformed(text) }
            self = .ds18b20(id: parts.count == 2 && !parts[1].isEmpty ? parts[1] : nil)
        } else {
            guard parts.count <= 2 else { throw .malformed(text) }
            let chipAndBus = ASCII.split(head, separator: UInt8(ascii: "@"), maxSplits: 1, omittingEmptySubsequences: false)
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

    /// By the bytes of the names: the synthesized `==` would compare them by Unicode rules, and
    /// a reload compares specs on the device.
    public static func == (lhs: SensorSpec, rhs: SensorSpec) -> Bool {
        switch (lhs, rhs) {
        case (.simulated(let left), .simulated(let right)):
            return left == right
        case (.i2c(let leftChip, let leftBus, let leftAddress), .i2c(let rightChip, let rightBus, let rightAddress)):
            return leftChip == rightChip && leftBus == rightBus && leftAddress == rightAddress
        case (.hwmon(let leftName, let leftChannel), .hwmon(let rightName, let rightChannel)):
            return ASCII.equals(leftName, rightName) && leftChannel == rightChannel
        case (.iio(let left), .iio(let right)), (.thermal(let left), .thermal(let right)):
            return ASCII.equals(left, right)
        case (.ds18b20(let left), .ds18b20(let right)):
            return ASCII.equals(left, right)
        case (.simulated, _), (.i2c, _), (.hwmon, _), (.iio, _), (.thermal, _), (.ds18b20, _):
            return false
        }
    }

    /// `BASE:SWING:NOISE` in °C with up to three decimals, each optional from the right: the
    /// simulation's triangle wave goes from BASE−SWING to BASE+SWING, plus up to ±NOISE.
    static func simulation(_ values: ArraySlice<String>, text: String) throws(SensorSpecError) -> SimulatedSensor.Settings {
        let defaults = SimulatedSensor.Settings()
        var millidegrees: [Int32] = [defaults.base.value, defaults.swing, defaults.noise]
        for (index, value) in values.enumerated() {
            guard let parsed = DecimalText.decimal(Array(value.utf8))?.rounded(toFractionDigits: 3),
                  parsed >= -100_000, parsed <= 200_000, index == 0 || parsed >= 0 else { throw .badSimulation(text) }
            millidegrees[index] = Int32(parsed)
        }
        return SimulatedSensor.Settings(base: Millidegrees(millidegrees[0]), swing: millidegrees[1], noise: millidegrees[2])
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
        guard let chip = Self.allCases.first(where: { chip in chip.names.contains { ASCII.equals($0, name) } }) else { return nil }
        self = chip
    }

    /// What `--sensor` accepts for it: its own name, then the parts the same driver reads.
    var names: [String] {
        switch self {
        case .bme280: return ["bme280", "bmp280"]
        case .sht3x: return ["sht3x", "sht30", "sht31", "sht35"]
        case .sht4x: return ["sht4x", "sht40", "sht41", "sht45"]
        case .tmp117: return ["tmp117"]
        case .tmp102: return ["tmp102"]
        case .mcp9808: return ["mcp9808"]
        case .lm75: return ["lm75", "lm75a", "lm75b"]
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

    /// What `--sensor` calls it.
    public var optionName: String { names[0] }

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
    case badSimulation(String)

    static let forms = "simulated[:BASE[:SWING[:NOISE]]], bme280|bmp280|sht3x|sht4x|tmp117|tmp102|mcp9808|lm75[@BUS][:ADDRESS], hwmon:NAME[:CHANNEL], iio:NAME, thermal[:TYPE], ds18b20[:ID]"

    public var description: String {
        switch self {
        case .unknownSensor: return "--sensor: " + problem
        case .malformed(let text), .missingName(let text, _), .badBus(let text), .badAddress(let text), .badSimulation(let text):
            if case .malformed = self { return "--sensor \(text) is " + problem }
            return "--sensor \(text): " + problem
        }
    }

    /// What is wrong, without naming where the spec was written (a flag, a key, a variable).
    public var problem: String {
        switch self {
        case .unknownSensor(let name): return "no driver for \"\(name)\"; use one of \(Self.forms)"
        case .malformed: return "not one of \(Self.forms)"
        case .missingName(_, let kind): return "needs the \(kind) device's name, e.g. \(kind):\(ASCII.equals(kind, "iio") ? "dht11" : "cpu_thermal") (see its name file under /sys)"
        case .badBus: return "the bus after @ is a number, e.g. bme280@1 for /dev/i2c-1"
        case .badAddress: return "the address is 0x03–0x77, e.g. bme280:0x77"
        case .badSimulation: return "give °C as decimals, e.g. simulated:21.5:1.5:0.05 (base, swing and noise; swing and noise not negative)"
        }
    }
}
