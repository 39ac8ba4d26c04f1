import Wire

/// Sensirion SHT40/SHT41/SHT45: temperature and relative humidity at high precision, every word
/// CRC-checked (sensor-facts.md §2). Same wire format as the SHT3x, with 8-bit commands.
public struct SHT4x: I2CSensorDriver {
    public let address: I2CAddress
    public let name: String

    /// -40…125 °C, the datasheet's operating range; the formula spans -45…130.
    private static let range = OperatingRange(degrees: -40...125)

    /// Nil unless `address` is 0x44, 0x45 or 0x46: each part is made for one of them.
    public init?(address: I2CAddress) {
        guard (0x44...0x46).contains(address.value) else { return nil }
        self.address = address
        name = "SHT4x at \(address)"
    }

    /// Resets the part and reads its serial number: two CRC-correct words in answer to 0x89 are
    /// the identity check the SHT4x offers. Waits 10 ms after each, as Sensirion's driver does.
    /// - Throws: `.bus` when nothing answers, `.checksumMismatch` for a garbled serial word.
    public mutating func start<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) {
        try SensirionTransfer.command([0x94], to: address, on: &bus)
        wait(10)
        try SensirionTransfer.command([0x89], to: address, on: &bus)
        wait(10)
        _ = try SensirionTransfer.readWords(["serial number (high)", "serial number (low)"], from: address, on: &bus, sensor: name, wait: wait)
    }

    /// One high-precision measurement (command 0xFD).
    ///
    /// Waits 10 ms, Sensirion's and Adafruit's figure, above the 8.3 ms datasheet maximum; a NACK
    /// then gets one more read 5 ms later. Temperature is `-45 + 175·S/65535` °C; humidity is
    /// `-6 + 125·S/65535` %, which spans -6…119 and is clamped to 0…100 as the datasheet says: beyond
    /// is the formula's reach, not humidity. Both in thousandths, rounded to the
    /// nearest, two decimals (§2.5).
    /// - Throws: `.bus`, `.notReady` (still measuring after the re-poll), `.checksumMismatch`
    ///   naming the word, `.implausible` for a temperature outside -40…125 °C.
    public mutating func measure<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) -> SensorSample {
        try SensirionTransfer.command([0xFD], to: address, on: &bus)
        wait(10)
        let words = try SensirionTransfer.readWords(["temperature", "humidity"], from: address, on: &bus, sensor: name, retryAfter: 5, wait: wait)
        let temperature = try Self.range.check(SensirionTransfer.scaled(words[0], offset: -45_000, span: 175_000), sensor: name)
        let humidity = min(max(SensirionTransfer.scaled(words[1], offset: -6_000, span: 125_000), 0), 100_000)
        return SensorSample(temperature: temperature, fractionDigits: 2, humidity: RelativeHumidity(millipercent: humidity, fractionDigits: 2))
    }
}
