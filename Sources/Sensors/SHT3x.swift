import Wire

/// Sensirion SHT30/SHT31/SHT35: temperature and relative humidity, measured single shot at high
/// repeatability without clock stretching, every word CRC-checked (sensor-facts.md §2).
///
/// No clock stretching because the Pi's controller mishandles it (§8.3); the price is that the
/// part NACKs its read until the measurement is done (§2.2), which ``measure(on:wait:)`` absorbs.
public struct SHT3x: I2CSensorDriver {
    public let address: I2CAddress
    public let name: String

    /// -40…125 °C, the datasheet's operating range; the formula spans -45…130.
    private static let range = OperatingRange(degrees: -40...125)

    /// Nil unless `address` is 0x44 (ADDR low) or 0x45 (ADDR high), the only two the part has.
    public init?(address: I2CAddress) {
        guard address.value == 0x44 || address.value == 0x45 else { return nil }
        self.address = address
        name = "SHT3x at \(address)"
    }

    /// Stops a periodic mode a previous program may have left running, resets the part, and
    /// reads its status register: a CRC-correct answer to that 16-bit command is the identity
    /// check the SHT3x offers (an SHT4x at the same address does not know it).
    ///
    /// The break comes first because the part ignores a soft reset while measuring periodically;
    /// Adafruit's driver sends it unconditionally, so a part in single-shot mode accepts it too.
    /// The waits are Adafruit's and Sensirion's: 1 ms after a command, 10 ms after the reset
    /// (the datasheet's maximum is 1.5 ms).
    /// - Throws: `.bus` when nothing answers, `.checksumMismatch` for a garbled status word.
    public mutating func start<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) {
        try SensirionTransfer.command([0x30, 0x93], to: address, on: &bus)
        wait(1)
        try SensirionTransfer.command([0x30, 0xA2], to: address, on: &bus)
        wait(10)
        try SensirionTransfer.command([0xF3, 0x2D], to: address, on: &bus)
        wait(1)
        _ = try SensirionTransfer.readWords(["status"], from: address, on: &bus, sensor: name, wait: wait)
    }

    /// One high-repeatability measurement (command 0x2400).
    ///
    /// Waits 16 ms, the datasheet's 15 ms maximum rounded past Adafruit's 15.5 ms, so the first
    /// read normally finds the result; a NACK then gets one more read 5 ms later. Temperature is
    /// `-45 + 175·S/65535` °C and humidity `100·S/65535` %, both in thousandths and rounded to the
    /// nearest (§2.5); humidity cannot leave 0…100 % by that formula, so only temperature is
    /// range-checked. Two decimals each: finer than the family's best accuracy (±0.2 °C, ±2 %).
    /// - Throws: `.bus`, `.notReady` (still measuring after the re-poll), `.checksumMismatch`
    ///   naming the word, `.implausible` for a temperature outside -40…125 °C.
    public mutating func measure<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) -> SensorSample {
        try SensirionTransfer.command([0x24, 0x00], to: address, on: &bus)
        wait(16)
        let words = try SensirionTransfer.readWords(["temperature", "humidity"], from: address, on: &bus, sensor: name, retryAfter: 5, wait: wait)
        let temperature = try Self.range.check(SensirionTransfer.scaled(words[0], offset: -45_000, span: 175_000), sensor: name)
        let humidity = SensirionTransfer.scaled(words[1], offset: 0, span: 100_000)
        return SensorSample(temperature: temperature, fractionDigits: 2, humidity: RelativeHumidity(millipercent: humidity, fractionDigits: 2))
    }
}
