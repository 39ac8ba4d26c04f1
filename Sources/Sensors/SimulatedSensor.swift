import Wire

/// A deterministic stand-in for a temperature sensor, for demos and tests without hardware.
///
/// The temperature follows a triangle wave between `base - swing` and `base + swing` over
/// `period` readings, plus noise from a seeded xorshift generator, so two runs with one seed
/// produce the same readings — a test can assert them exactly.
public struct SimulatedSensor {
    public struct Settings: Equatable, Sendable {
        public var base: Millidegrees
        public var swing: Int32
        public var period: Int
        public var noise: Int32
        public var seed: UInt64

        public init(base: Millidegrees = Millidegrees(21_500), swing: Int32 = 1_500, period: Int = 60, noise: Int32 = 50, seed: UInt64 = 0x6B656C76696E) {
            self.base = base
            self.swing = swing
            self.period = max(period, 2)
            self.noise = max(noise, 0)
            self.seed = seed == 0 ? 1 : seed
        }
    }

    public let settings: Settings
    private var step = 0
    private var state: UInt64

    public init(settings: Settings = Settings()) {
        self.settings = settings
        state = settings.seed
    }

    /// The resolution a real driver would report; simulated readings are shown like a 0.01 °C part.
    public let fractionDigits = 2

    public mutating func read() -> Millidegrees {
        let half = settings.period / 2
        let position = step % settings.period
        let rising = position <= half ? position : settings.period - position
        let wave = -Int64(settings.swing) + 2 * Int64(settings.swing) * Int64(rising) / Int64(half)
        step += 1
        var noise: Int64 = 0
        if settings.noise > 0 {
            let span = 2 * UInt64(settings.noise) + 1
            noise = Int64(nextRandom() % span) - Int64(settings.noise)
        }
        return Millidegrees(Int32(clamping: Int64(settings.base.value) + wave + noise))
    }

    /// A temperature reading with humidity and pressure: relative humidity falls as the air
    /// warms (as it does in a closed room), and pressure wanders a few pascals around 1013.25 hPa.
    public mutating func sample() -> SensorSample {
        let temperature = read()
        let warming = Int64(temperature.value) - Int64(settings.base.value)
        let humidity = Int32(clamping: 45_000 - warming * 2 + Int64(nextRandom() % 201) - 100)
        let pressure = Int32(clamping: 101_325 + Int64(nextRandom() % 41) - 20)
        return SensorSample(
            temperature: temperature,
            fractionDigits: fractionDigits,
            humidity: RelativeHumidity(millipercent: max(0, min(humidity, 100_000)), fractionDigits: 2),
            pressure: Pressure(pascals: pressure)
        )
    }

    private mutating func nextRandom() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
