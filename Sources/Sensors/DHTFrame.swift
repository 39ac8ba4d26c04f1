import Wire

/// The 40 bits a DHT11 or DHT22 (AM2302) sends after its start pulse: humidity high and low byte,
/// temperature high and low byte, and a checksum (sensor-facts.md §5.1). Decoding is pure, so it
/// serves a direct-GPIO reader; the kernel's `dht11` IIO driver (``IIOSource``) remains the
/// recommended way to read these sensors, since user space cannot promise the timing.
public struct DHTFrame: Equatable, Sendable {
    /// How the two data words are encoded: the parts look alike on the wire.
    public enum Model: Equatable, Sendable {
        /// Whole percent and degrees, a tenth in the low bytes on newer parts.
        case dht11
        /// DHT22 and AM2302: tenths of a percent and of a degree in 16 bits.
        case dht22
    }

    /// The five bytes as sent, checksum last.
    public let bytes: [UInt8]

    /// A high pulse longer than this is a 1: a 0 is 22–30 µs high, a 1 is 68–75 µs, and the
    /// kernel's dht11 driver draws the line at 49 µs.
    public static let oneThresholdNanoseconds: Int64 = 49_000

    /// Checks the checksum of five received bytes.
    /// - Throws: `SensorError.notReady` unless there are five bytes, `.checksumMismatch` when
    ///   the low byte of the sum of the first four is not the fifth.
    public init(bytes: [UInt8]) throws(SensorError) {
        self.bytes = try Self.verified(bytes)
    }

    private static func verified(_ bytes: [UInt8]) throws(SensorError) -> [UInt8] {
        guard bytes.count == 5 else {
            throw .notReady(sensor: "DHT sensor", detail: "\(bytes.count) bytes instead of 5 arrived; read again after 2 s")
        }
        let sum = bytes[0] &+ bytes[1] &+ bytes[2] &+ bytes[3]
        guard sum == bytes[4] else {
            throw .checksumMismatch(sensor: "DHT sensor", detail: "frame \(ASCII.hexadecimalString(bytes)) should end in \(ASCII.hexadecimalString([sum]))")
        }
        return bytes
    }

    /// Decodes the frame from the line's edges, in time order, as an edge-event request on both
    /// edges delivers them: each bit is a low of about 50 µs, then a high whose width is the bit.
    ///
    /// The frame is the last 40 complete high pulses, since what comes before them (the host's
    /// release, the sensor's 80 µs response) may be partly missed while the line turns from
    /// output to input (sensor-facts.md §5.3). When those fail the checksum, earlier runs of 40
    /// are tried, as the kernel driver does, so one spurious edge at the end does not lose the read.
    /// - Throws: `SensorError.notReady` when fewer than 40 high pulses arrived, `.checksumMismatch`
    ///   when no run of 40 has a valid checksum.
    public init(edges: [GPIOEdge]) throws(SensorError) {
        var highs: [Int64] = []
        for index in edges.indices.dropLast() where edges[index].isRising && !edges[index + 1].isRising {
            highs.append(edges[index + 1].nanoseconds - edges[index].nanoseconds)
        }
        guard highs.count >= 40 else {
            throw .notReady(sensor: "DHT sensor", detail: "only \(highs.count) high pulses arrived and a frame is 40; edges were lost, which happens in user space — read again after 2 s, or use the kernel's dht11 overlay")
        }
        var firstFailure: SensorError?
        var end = highs.endIndex
        while end - 40 >= highs.startIndex {
            var frame = [UInt8](repeating: 0, count: 5)
            for (bit, width) in highs[(end - 40)..<end].enumerated() where width > Self.oneThresholdNanoseconds {
                frame[bit / 8] |= 0x80 >> UInt8(bit % 8)
            }
            do {
                bytes = try Self.verified(frame)
                return
            } catch {
                if firstFailure == nil { firstFailure = error }
            }
            end -= 1
        }
        throw firstFailure ?? .notReady(sensor: "DHT sensor", detail: "no frame")
    }

    /// The reading, decoded as `model` sends it.
    ///
    /// DHT22 temperatures are sign and magnitude, but some clones send two's complement
    /// (sensor-facts.md §5.1 "clone trap"): a sign-magnitude value below the part's -40 °C
    /// floor is read as two's complement instead. A DHT11 marks a negative temperature with
    /// the top bit of its tenths byte.
    /// - Throws: `SensorError.implausible` for an all-zero frame, or humidity above 100 % (the
    ///   usual sign of the wrong model) or a temperature outside the part's range.
    public func sample(_ model: Model) throws(SensorError) -> SensorSample {
        let name = model == .dht11 ? "DHT11" : "DHT22"
        // A line held low reads as zeros, and zeros have a valid checksum.
        guard bytes.contains(where: { $0 != 0 }) else {
            throw .implausible(sensor: name, detail: "an all-zero frame: the data line is stuck low; check the wiring and the pull-up")
        }
        let millipercent: Int32
        let millidegrees: Int32
        let range: ClosedRange<Int32>
        switch model {
        case .dht11:
            millipercent = Int32(bytes[0]) * 1000 + Int32(bytes[1] & 0x0F) * 100
            let magnitude = Int32(bytes[2]) * 1000 + Int32(bytes[3] & 0x0F) * 100
            millidegrees = bytes[3] & 0x80 != 0 ? -magnitude : magnitude
            range = -20_000...60_000
        case .dht22:
            millipercent = (Int32(bytes[0]) << 8 | Int32(bytes[1])) * 100
            let magnitude = Int32(bytes[2] & 0x7F) << 8 | Int32(bytes[3])
            if bytes[2] & 0x80 == 0 {
                millidegrees = magnitude * 100
            } else if magnitude <= 400 {
                millidegrees = -magnitude * 100
            } else {
                millidegrees = Int32(Int16(bitPattern: UInt16(bytes[2]) << 8 | UInt16(bytes[3]))) * 100
            }
            range = -40_000...80_000
        }
        guard millipercent <= 100_000 else {
            throw .implausible(sensor: name, detail: "humidity \(RelativeHumidity(millipercent: millipercent, fractionDigits: 1)) from frame \(ASCII.hexadecimalString(bytes)); is the sensor model right (DHT11 or DHT22)?")
        }
        guard range.contains(millidegrees) else {
            throw .implausible(sensor: name, detail: "\(Millidegrees(millidegrees)) from frame \(ASCII.hexadecimalString(bytes)) is outside the part's range; is the sensor model right (DHT11 or DHT22)?")
        }
        return SensorSample(
            temperature: Millidegrees(millidegrees),
            fractionDigits: 1,
            humidity: RelativeHumidity(millipercent: millipercent, fractionDigits: 1)
        )
    }
}
