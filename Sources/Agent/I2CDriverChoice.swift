import Sensors

/// One of Kelvin's I²C drivers, chosen at run time by `--sensor`, as one concrete type (Embedded
/// Swift has no existentials for `I2CSensorDriver`).
public enum I2CDriverChoice: I2CSensorDriver {
    case bme280(BME280)
    case sht3x(SHT3x)
    case sht4x(SHT4x)
    case tmp117(TMP117)
    case tmp102(TMP102)
    case mcp9808(MCP9808)
    case lm75(LM75)

    /// - Returns: nil when the part's address pins cannot select `address`.
    public init?(_ chip: I2CChip, address: I2CAddress) {
        switch chip {
        case .bme280: self = .bme280(BME280(address: address))
        case .sht3x: guard let driver = SHT3x(address: address) else { return nil }; self = .sht3x(driver)
        case .sht4x: guard let driver = SHT4x(address: address) else { return nil }; self = .sht4x(driver)
        case .tmp117: guard let driver = TMP117(address: address) else { return nil }; self = .tmp117(driver)
        case .tmp102: guard let driver = TMP102(address: address) else { return nil }; self = .tmp102(driver)
        case .mcp9808: guard let driver = MCP9808(address: address) else { return nil }; self = .mcp9808(driver)
        case .lm75: guard let driver = LM75(address: address) else { return nil }; self = .lm75(driver)
        }
    }

    public var name: String {
        switch self {
        case .bme280(let driver): return driver.name
        case .sht3x(let driver): return driver.name
        case .sht4x(let driver): return driver.name
        case .tmp117(let driver): return driver.name
        case .tmp102(let driver): return driver.name
        case .mcp9808(let driver): return driver.name
        case .lm75(let driver): return driver.name
        }
    }

    public mutating func start<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) {
        switch self {
        case .bme280(var driver): defer { self = .bme280(driver) }; try driver.start(on: &bus, wait: wait)
        case .sht3x(var driver): defer { self = .sht3x(driver) }; try driver.start(on: &bus, wait: wait)
        case .sht4x(var driver): defer { self = .sht4x(driver) }; try driver.start(on: &bus, wait: wait)
        case .tmp117(var driver): defer { self = .tmp117(driver) }; try driver.start(on: &bus, wait: wait)
        case .tmp102(var driver): defer { self = .tmp102(driver) }; try driver.start(on: &bus, wait: wait)
        case .mcp9808(var driver): defer { self = .mcp9808(driver) }; try driver.start(on: &bus, wait: wait)
        case .lm75(var driver): defer { self = .lm75(driver) }; try driver.start(on: &bus, wait: wait)
        }
    }

    public mutating func measure<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) -> SensorSample {
        switch self {
        case .bme280(var driver): defer { self = .bme280(driver) }; return try driver.measure(on: &bus, wait: wait)
        case .sht3x(var driver): defer { self = .sht3x(driver) }; return try driver.measure(on: &bus, wait: wait)
        case .sht4x(var driver): defer { self = .sht4x(driver) }; return try driver.measure(on: &bus, wait: wait)
        case .tmp117(var driver): defer { self = .tmp117(driver) }; return try driver.measure(on: &bus, wait: wait)
        case .tmp102(var driver): defer { self = .tmp102(driver) }; return try driver.measure(on: &bus, wait: wait)
        case .mcp9808(var driver): defer { self = .mcp9808(driver) }; return try driver.measure(on: &bus, wait: wait)
        case .lm75(var driver): defer { self = .lm75(driver) }; return try driver.measure(on: &bus, wait: wait)
        }
    }
}
