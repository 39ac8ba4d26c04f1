import Agent
import AzureIoT
import Sensors

/// The simulated sensor as the loop's reading source, with humidity and pressure when asked for.
struct SimulatedReadings: ReadingSource {
    private var sensor = SimulatedSensor()
    let includeHumidity: Bool
    let includePressure: Bool

    init(includeHumidity: Bool, includePressure: Bool) {
        self.includeHumidity = includeHumidity
        self.includePressure = includePressure
    }

    mutating func read(sequence: Int, takenAtMilliseconds: Int64) -> Reading? {
        let sample = sensor.sample()
        return Reading(
            temperature: sample.temperature,
            temperatureFractionDigits: sample.fractionDigits,
            humidity: includeHumidity ? sample.humidity : nil,
            pressure: includePressure ? sample.pressure : nil,
            takenAtMilliseconds: takenAtMilliseconds,
            sequence: sequence
        )
    }
}
