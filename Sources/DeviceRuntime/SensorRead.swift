import Agent
import AzureIoT
import Platform
import Sensors
import Wire

/// `kelvin read`: readings with their units, no network — for checking the wiring at a desk.
struct SensorRead {
    let options: ReadOptions
    let clock = MonotonicClock()

    func run() throws(Fatal) {
        var sensor = try DeviceSensor.open(options.sensor, fields: ReadingFields(humidity: true, pressure: true), clock: clock)
        var failures = 0
        var nextReadingAt = clock.nowMilliseconds
        for index in 0..<options.count {
            if index > 0 {
                nextReadingAt += options.intervalMilliseconds
                clock.sleep(milliseconds: nextReadingAt - clock.nowMilliseconds)
            }
            do {
                guard let reading = try sensor.read(sequence: index + 1, takenAtMilliseconds: clock.wallClockMilliseconds) else {
                    Console.print("\(options.sensor.spec): resting after repeated failures")
                    continue
                }
                Console.print("\(options.sensor.spec): " + Self.describe(reading))
            } catch {
                failures += 1
                Log.warning(error.description)
            }
        }
        if failures == options.count {
            throw Fatal(message: "\(options.sensor.spec) gave no reading in \(options.count) tries", exitCode: .unavailable)
        }
    }

    /// `21.52 °C, 45.20 %RH, 1013.25 hPa`.
    static func describe(_ reading: Reading) -> String {
        var text = reading.temperature.formatted(fractionDigits: reading.temperatureFractionDigits) + " °C"
        if let humidity = reading.humidity { text += ", " + humidity.description }
        if let pressure = reading.pressure { text += ", " + pressure.description }
        return text
    }
}
