import Wire

/// One sensor reading as telemetry carries it: the quantities the sensor measured, when, and
/// which message it is.
public struct Reading: Equatable, Sendable {
    public var temperature: Millidegrees
    /// The sensor's resolution in decimals (0...3): 2 writes 23125 as "23.13".
    public var temperatureFractionDigits: Int
    /// Nil when the sensor has no humidity channel or the configuration leaves it out.
    public var humidity: RelativeHumidity?
    /// Nil when the sensor has no pressure channel or the configuration leaves it out.
    public var pressure: Pressure?
    /// Wall-clock time the sensor was read, Unix milliseconds: the message's creation time, kept
    /// when the message waits in the spool or is sent again. Zero or less when the time is not
    /// known (the device's clock was not set when it was read; see `ReadingTime` in Agent): the
    /// message then carries no creation time rather than a wrong one.
    public var takenAtMilliseconds: Int64
    /// The message number; the message ID is `<prefix>-<sequence>`.
    public var sequence: Int

    public init(
        temperature: Millidegrees,
        temperatureFractionDigits: Int,
        humidity: RelativeHumidity? = nil,
        pressure: Pressure? = nil,
        takenAtMilliseconds: Int64,
        sequence: Int
    ) {
        self.temperature = temperature
        self.temperatureFractionDigits = temperatureFractionDigits
        self.humidity = humidity
        self.pressure = pressure
        self.takenAtMilliseconds = takenAtMilliseconds
        self.sequence = sequence
    }

    /// Whether the message carries `iothub-creation-time-utc`.
    public var hasCreationTime: Bool { takenAtMilliseconds > 0 }

    // The body's fixed parts, shared by the writer and the length so they cannot drift apart.
    private static let temperatureKey: StaticString = "{\"temperature\": "
    private static let humidityKey: StaticString = ", \"humidity\": "
    private static let pressureKey: StaticString = ", \"pressure\": "
    private static let closing: StaticString = "}"

    /// The message body: `{"temperature": 23.13}`, with `"humidity"` (percent) and
    /// `"pressure"` (hPa) after it when the reading has them.
    func writeBody(to writer: inout ByteWriter) {
        writer.append(Self.temperatureKey)
        temperature.append(to: &writer, fractionDigits: temperatureFractionDigits)
        if let humidity {
            writer.append(Self.humidityKey)
            humidity.append(to: &writer)
        }
        if let pressure {
            writer.append(Self.pressureKey)
            pressure.append(to: &writer)
        }
        writer.append(Self.closing)
    }

    /// Exactly how many bytes ``writeBody(to:)`` writes.
    var bodyByteCount: Int {
        var count = Self.temperatureKey.utf8CodeUnitCount + temperature.formattedByteCount(fractionDigits: temperatureFractionDigits)
        if let humidity { count += Self.humidityKey.utf8CodeUnitCount + humidity.formattedByteCount }
        if let pressure { count += Self.pressureKey.utf8CodeUnitCount + pressure.formattedByteCount }
        return count + Self.closing.utf8CodeUnitCount
    }
}
