import Agent
import AzureIoT
import Sensors

/// The simulated sensor as the loop's reading source, with humidity and pressure when asked for.
struct SimulatedReadings: ReadingSource {
    private var sensor: SimulatedSensor
    let fields: ReadingFields

    init(settings: SimulatedSensor.Settings = SimulatedSensor.Settings(), fields: ReadingFields) {
        sensor = SimulatedSensor(settings: settings)
        self.fields = fields
    }

    mutating func read(sequence: Int, takenAtMilliseconds: Int64) -> Reading? {
        fields.reading(sensor.sample(), sequence: sequence, takenAtMilliseconds: takenAtMilliseconds)
    }
}
