import AzureIoT
import Sensors

/// Where readings come from: a sensor driver, a kernel source, or the simulation.
public protocol ReadingSource {
    /// Reads the sensor now. `sequence` numbers the reading for its message ID and
    /// `takenAtMilliseconds` is the wall clock, for the creation-time property.
    /// - Returns: nil when the source leaves this slot out on purpose (a failing sensor being
    ///   given time, see `SensorHealth`).
    /// - Throws: the sensor's failure; the loop reports it and carries on at the next slot.
    mutating func read(sequence: Int, takenAtMilliseconds: Int64) throws(SensorError) -> Reading?
}

/// Turns a sensor sample into a reading, keeping humidity and pressure only when asked for.
public struct ReadingFields: Equatable, Sendable {
    public var humidity: Bool
    public var pressure: Bool

    public init(humidity: Bool = false, pressure: Bool = false) {
        self.humidity = humidity
        self.pressure = pressure
    }

    public func reading(_ sample: SensorSample, sequence: Int, takenAtMilliseconds: Int64) -> Reading {
        Reading(
            temperature: sample.temperature,
            temperatureFractionDigits: sample.fractionDigits,
            humidity: humidity ? sample.humidity : nil,
            pressure: pressure ? sample.pressure : nil,
            takenAtMilliseconds: takenAtMilliseconds,
            sequence: sequence
        )
    }
}
