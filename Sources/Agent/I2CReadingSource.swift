import AzureIoT
import Sensors

/// Something that can cut a sensor's power and restore it: a GPIO line driving its supply.
public protocol PowerSwitch {
    /// Off, wait long enough for the part to reset, on.
    mutating func powerCycle() throws(SensorError)
}

/// No power line wired.
public struct NoPowerSwitch: PowerSwitch {
    public init() {}
    public func powerCycle() throws(SensorError) {}
}

/// An I²C driver on a bus as the loop's reading source, restarted and power-cycled as
/// `SensorHealth` decides, so one flaky sensor never stops the loop or the uplink.
public struct I2CReadingSource<Driver: I2CSensorDriver, Bus: I2CBus, Power: PowerSwitch, Clock: AgentClock>: ReadingSource {
    public var driver: Driver
    public var bus: Bus
    public var power: Power?
    public var health: SensorHealth
    public let fields: ReadingFields
    let clock: Clock
    private var started = false

    public init(driver: Driver, bus: Bus, power: Power?, fields: ReadingFields, clock: Clock, health: SensorHealth = SensorHealth()) {
        self.driver = driver
        self.bus = bus
        self.power = power
        self.fields = fields
        self.clock = clock
        self.health = health
        if power == nil { self.health.canPowerCycle = false }
    }

    /// Starts the sensor once, up front, so that a wiring mistake is reported before anything else.
    public mutating func start() throws(SensorError) {
        let clock = self.clock
        try driver.start(on: &bus) { clock.sleep(milliseconds: Int64($0)) }
        started = true
    }

    public mutating func read(sequence: Int, takenAtMilliseconds: Int64) throws(SensorError) -> Reading? {
        let action = health.slotArrived()
        let clock = self.clock
        let wait: (Int) -> Void = { clock.sleep(milliseconds: Int64($0)) }
        do {
            switch action {
            case .skip:
                return nil
            case .read:
                if !started { try driver.start(on: &bus, wait: wait) }
            case .restartThenRead:
                try driver.start(on: &bus, wait: wait)
            case .powerCycleThenRead:
                try power?.powerCycle()
                try driver.start(on: &bus, wait: wait)
            }
            started = true
            let sample = try driver.measure(on: &bus, wait: wait)
            health.readingSucceeded()
            return fields.reading(sample, sequence: sequence, takenAtMilliseconds: takenAtMilliseconds)
        } catch {
            health.readingFailed(afterRestart: action != .read)
            if action != .read { started = false }
            throw error
        }
    }
}
