import Sensors
import Testing
import Wire

@Suite struct DHTFrameTests {
    static func sample(_ bytes: [UInt8], _ model: DHTFrame.Model) throws(SensorError) -> SensorSample {
        try DHTFrame(bytes: bytes).sample(model)
    }

    static func reading(_ millidegrees: Int32, _ millipercent: Int32) -> SensorSample {
        SensorSample(temperature: Millidegrees(millidegrees), fractionDigits: 1, humidity: RelativeHumidity(millipercent: millipercent, fractionDigits: 1))
    }

    // sensor-facts.md §5.5, real frames.
    @Test func tasmotaFrames_decodeIncludingTwosComplementClones() throws {
        #expect(try Self.sample([0x03, 0x9B, 0x00, 0x1D, 0xBB], .dht22) == Self.reading(2_900, 92_300))
        #expect(try Self.sample([0x02, 0x33, 0xFF, 0xF7, 0x2B], .dht22) == Self.reading(-900, 56_300))
        #expect(try Self.sample([0x02, 0x11, 0xFF, 0xF1, 0x03], .dht22) == Self.reading(-1_500, 52_900))
        #expect(try Self.sample([0x01, 0xC1, 0x00, 0x02, 0xC4], .dht22) == Self.reading(200, 44_900))
        #expect(try Self.sample([0x01, 0xC8, 0x80, 0x02, 0x4B], .dht22) == Self.reading(-200, 45_600))
    }

    // sensor-facts.md §5.5, datasheet-style frames.
    @Test func datasheetFrames_decodePerModel() throws {
        #expect(try Self.sample([0x02, 0x8C, 0x01, 0x5F, 0xEE], .dht22) == Self.reading(35_100, 65_200))
        #expect(try Self.sample([0x02, 0x8C, 0x80, 0x65, 0x73], .dht22) == Self.reading(-10_100, 65_200))
        #expect(try Self.sample([0x35, 0x00, 0x18, 0x00, 0x4D], .dht11) == Self.reading(24_000, 53_000))
    }

    @Test func dht11WithTenthsAndSignBit_isNegative() throws {
        // 50 %, -2.5 °C: tenths in the low nibble, sign in the top bit of byte 3.
        #expect(try Self.sample([0x32, 0x00, 0x02, 0x85, 0xB9], .dht11) == Self.reading(-2_500, 50_000))
    }

    @Test func signMagnitudeAtTheFloor_staysSignMagnitude() throws {
        // -40.0 °C, the DHT22's lowest: 0x8190 sign-magnitude, 0xFE70 two's complement.
        #expect(try Self.sample([0x01, 0x00, 0x81, 0x90, 0x12], .dht22).temperature == Millidegrees(-40_000))
        #expect(try Self.sample([0x01, 0x00, 0xFE, 0x70, 0x6F], .dht22).temperature == Millidegrees(-40_000))
    }

    @Test func badChecksum_namesTheExpectedByte() {
        #expect(throws: SensorError.checksumMismatch(sensor: "DHT sensor", detail: "frame 028c015fef should end in ee")) {
            try DHTFrame(bytes: [0x02, 0x8C, 0x01, 0x5F, 0xEF])
        }
    }

    @Test func shortFrame_isNotReady() {
        #expect(throws: SensorError.notReady(sensor: "DHT sensor", detail: "4 bytes instead of 5 arrived; read again after 2 s")) {
            try DHTFrame(bytes: [0x02, 0x8C, 0x01, 0x5F])
        }
    }

    @Test func dht11FrameReadAsDHT22_asksAboutTheModel() {
        #expect(throws: SensorError.implausible(sensor: "DHT22", detail: "humidity 1356.8 %RH from frame 350018004d; is the sensor model right (DHT11 or DHT22)?")) {
            try Self.sample([0x35, 0x00, 0x18, 0x00, 0x4D], .dht22)
        }
    }

    @Test func outOfRangeTemperature_isImplausible() {
        // 90.0 °C is above the DHT22's 80 °C.
        #expect(throws: SensorError.implausible(sensor: "DHT22", detail: "90.00 °C from frame 01f403847c is outside the part's range; is the sensor model right (DHT11 or DHT22)?")) {
            try Self.sample([0x01, 0xF4, 0x03, 0x84, 0x7C], .dht22)
        }
    }

    @Test func allZeroFrame_isAStuckLine() {
        #expect(throws: SensorError.implausible(sensor: "DHT11", detail: "an all-zero frame: the data line is stuck low; check the wiring and the pull-up")) {
            try Self.sample([0, 0, 0, 0, 0], .dht11)
        }
    }

    // MARK: Edges (sensor-facts.md §5.4)

    /// The line as seen from an edge request: the host's release, the sensor's 80 µs low and
    /// 80 µs high, then per bit 50 µs low and 26 µs (0) or 70 µs (1) high, then the release.
    /// `jitter(n)` is added to the nth pulse width.
    static func edges(_ bytes: [UInt8], jitter: (Int) -> Int64 = { _ in 0 }) -> [GPIOEdge] {
        var time: Int64 = 5_000_000_000
        var pulse = 0
        var edges = [GPIOEdge(nanoseconds: time, isRising: true)]
        func after(_ microseconds: Int64, rising: Bool) {
            time += microseconds * 1_000 + jitter(pulse)
            pulse += 1
            edges.append(GPIOEdge(nanoseconds: time, isRising: rising))
        }
        after(30, rising: false)
        after(80, rising: true)
        after(80, rising: false)
        for byte in bytes {
            for bit in 0..<8 {
                after(50, rising: true)
                after(byte & (0x80 >> UInt8(bit)) != 0 ? 70 : 26, rising: false)
            }
        }
        after(50, rising: true)
        return edges
    }

    static let frame: [UInt8] = [0x02, 0x8C, 0x80, 0x65, 0x73]

    @Test func nominalEdges_decode() throws {
        #expect(Self.edges(Self.frame).count == 85)
        #expect(try DHTFrame(edges: Self.edges(Self.frame)).bytes == Self.frame)
    }

    @Test func jitteredEdges_decode() throws {
        let jittered = Self.edges(Self.frame) { $0 % 2 == 0 ? 8_000 : -8_000 }
        #expect(try DHTFrame(edges: jittered).sample(.dht22) == Self.reading(-10_100, 65_200))
        let other = Self.edges(Self.frame) { $0 % 3 == 0 ? -8_000 : 8_000 }
        #expect(try DHTFrame(edges: other).bytes == Self.frame)
    }

    @Test func missingFirstEdges_decodeFromTheLastForty() throws {
        // Turning the line around took long enough to miss the release and the response.
        #expect(try DHTFrame(edges: Array(Self.edges(Self.frame).dropFirst(3))).bytes == Self.frame)
    }

    @Test func spuriousEdges_atEitherEnd_decode() throws {
        var leading = Self.edges(Self.frame)
        leading.insert(GPIOEdge(nanoseconds: leading[0].nanoseconds - 2_000, isRising: false), at: 0)
        #expect(try DHTFrame(edges: leading).bytes == Self.frame)
        var trailing = Self.edges(Self.frame)
        trailing.append(GPIOEdge(nanoseconds: trailing[trailing.count - 1].nanoseconds + 3_000, isRising: false))
        #expect(try DHTFrame(edges: trailing).bytes == Self.frame)
    }

    @Test func edgeLostMidFrame_failsTheChecksum() {
        var edges = Self.edges(Self.frame)
        // The falling edge ending the first bit's high pulse: bit 0 merges with bit 1.
        edges.remove(at: 5)
        #expect(throws: SensorError.checksumMismatch(sensor: "DHT sensor", detail: "frame 828c806573 should end in f3")) {
            try DHTFrame(edges: edges)
        }
    }

    @Test func tooFewEdges_isNotReady() {
        #expect(throws: SensorError.notReady(sensor: "DHT sensor", detail: "only 22 high pulses arrived and a frame is 40; edges were lost, which happens in user space — read again after 2 s, or use the kernel's dht11 overlay")) {
            // The release, the response and 20 bits.
            try DHTFrame(edges: Array(Self.edges(Self.frame).prefix(44)))
        }
    }
}
