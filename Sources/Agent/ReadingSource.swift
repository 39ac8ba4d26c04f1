import AzureIoT

/// Where readings come from: a sensor driver, or the simulation.
public protocol ReadingSource {
    /// Reads the sensor now. `sequence` numbers the reading for its message ID and
    /// `takenAtMilliseconds` is the wall clock, for the creation-time property.
    mutating func read(sequence: Int, takenAtMilliseconds: Int64) -> Reading
}
