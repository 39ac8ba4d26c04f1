import Agent
import AzureIoT
import Platform
import Sensors

/// The sensor `--sensor` chose, as one concrete type: Embedded Swift has no existentials for
/// protocols like `ReadingSource`, so the choice is an enum whose cases hold each source.
enum DeviceSensor: ReadingSource {
    case simulated(SimulatedReadings)
    case kernel(KernelReadings)
    case i2c(I2CReadingSource<I2CDriverChoice, LinuxI2CBus, GPIOPowerSwitch, MonotonicClock>)

    /// Opens and starts the sensor, so a wiring or configuration mistake is one error line
    /// before anything else happens.
    static func open(_ options: SensorOptions, fields: ReadingFields, clock: MonotonicClock) throws(Fatal) -> DeviceSensor {
        switch options.spec {
        case .simulated(let settings):
            return .simulated(SimulatedReadings(settings: settings, fields: fields))
        case .hwmon, .iio, .thermal, .ds18b20:
            var source = KernelReadings(spec: options.spec, fields: fields)
            try source.check()
            return .kernel(source)
        case .i2c(let chip, let busNumber, let address):
            guard let driver = I2CDriverChoice(chip, address: address) else {
                throw Fatal(message: "--sensor: a \(chip.displayName) cannot be at \(address); its address pins select \(chip.defaultAddress) and a few neighbours — see its datasheet", exitCode: .configuration)
            }
            let bus: LinuxI2CBus
            do {
                bus = try LinuxI2CBus(number: busNumber)
            } catch {
                throw Fatal(message: error.description, exitCode: error.exitCode)
            }
            var power: GPIOPowerSwitch?
            if let line = options.powerLine {
                do {
                    power = try GPIOPowerSwitch(lineName: line, clock: clock)
                } catch {
                    throw Fatal(message: "--sensor-power: \(error)", exitCode: .configuration)
                }
            }
            var source = I2CReadingSource(
                driver: driver, bus: bus, power: power, fields: fields, clock: clock,
                health: SensorHealth(canPowerCycle: power != nil)
            )
            do {
                try source.start()
            } catch {
                throw Fatal(message: error.description + otherAddressHint(chip, address, error) + kernelDriverHint(busNumber, address, error), exitCode: error.exitCode)
            }
            return .i2c(source)
        }
    }

    /// Breakout boards put the same part at either of two addresses; the other one is the first
    /// thing to try when nothing answers.
    private static func otherAddressHint(_ chip: I2CChip, _ address: I2CAddress, _ error: SensorError) -> String {
        guard case .bus(.noDevice) = error else { return "" }
        let other: UInt8
        switch (chip, address.value) {
        case (.bme280, 0x76): other = 0x77
        case (.bme280, 0x77): other = 0x76
        case (.sht3x, 0x44), (.sht4x, 0x44): other = 0x45
        case (.sht3x, 0x45), (.sht4x, 0x45): other = 0x44
        default: return ""
        }
        let otherAddress = I2CAddress(other)!
        return "; many \(chip.displayName) boards sit at \(otherAddress) instead: try --sensor \(chip.optionName):\(otherAddress)"
    }

    /// An address a kernel driver owns is best read through that driver: sysfs says which
    /// `--sensor` that is.
    private static func kernelDriverHint(_ busNumber: Int, _ address: I2CAddress, _ error: SensorError) -> String {
        guard case .bus(.ownedByKernelDriver) = error,
              let client = I2CKernelClient.find(bus: busNumber, address: address, in: FileTree()) else { return "" }
        return "; " + client.advice
    }

    mutating func read(sequence: Int, takenAtMilliseconds: Int64) throws(SensorError) -> Reading? {
        switch self {
        case .simulated(var source):
            let reading = source.read(sequence: sequence, takenAtMilliseconds: takenAtMilliseconds)
            self = .simulated(source)
            return reading
        case .kernel(var source):
            defer { self = .kernel(source) }
            return try source.read(sequence: sequence, takenAtMilliseconds: takenAtMilliseconds)
        case .i2c(var source):
            defer { self = .i2c(source) }
            return try source.read(sequence: sequence, takenAtMilliseconds: takenAtMilliseconds)
        }
    }
}

extension I2CError {
    /// Absent buses and missing devices are unavailable hardware; the rest is configuration.
    var exitCode: ExitCode {
        switch self {
        case .busAbsent, .noDevice, .timedOut, .failed: return .unavailable
        case .permissionDenied: return .permissionDenied
        case .ownedByKernelDriver: return .configuration
        }
    }
}

extension SensorError {
    var exitCode: ExitCode {
        switch self {
        case .bus(let error): return error.exitCode
        case .wrongChip: return .configuration
        case .checksumMismatch, .implausible, .notReady, .source: return .unavailable
        }
    }
}
