import Agent
import AzureIoT
import Platform
import Sensors

/// The sensor `--sensor` chose, as one concrete type: Embedded Swift has no existentials for
/// protocols like `ReadingSource`, so the choice is an enum whose cases hold each source.
enum DeviceSensor: ReadingSource {
    case simulated(SimulatedReadings)
    case kernel(KernelReadings)

    /// Opens and starts the sensor, so a wiring or configuration mistake is one error line
    /// before anything else happens.
    static func open(_ options: SensorOptions, fields: ReadingFields, clock: MonotonicClock) throws(Fatal) -> DeviceSensor {
        switch options.spec {
        case .simulated:
            return .simulated(SimulatedReadings(fields: fields))
        case .hwmon, .iio, .thermal, .ds18b20:
            var source = KernelReadings(spec: options.spec, fields: fields)
            try source.check()
            return .kernel(source)
        case .i2c:
            throw Fatal(message: "\(options.spec): this build has no driver for it yet", exitCode: .configuration)
        }
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
        }
    }
}
