import Wire

/// What this device has done with its readings since its counters began, kept in
/// `<state directory>/counters` so that `kelvin status` can say it without asking the running
/// process, and so that the totals outlive restarts.
///
/// The file is a few lines a person can `cat`, in the envelope of ``ChecksummedText``:
///
///     kelvin-counters 1
///     since=1712345678000
///     delivered=1423
///     refused=0
///     displaced=0
///     sensor-failures=2
///     updated=1712349999000
///     crc32=<8 lower-case hex digits>
///
/// Readers ignore keys they do not know. A damaged file starts the counters again rather than
/// stopping a run: they are for people, not for delivery.
public struct DeliveryCounters: Equatable, Sendable {
    /// Wall clock, Unix milliseconds, when counting began (0: unknown, the clock was not set).
    public var sinceMilliseconds: Int64
    /// Readings the hub accepted.
    public var delivered: Int64 = 0
    /// Readings the hub refused for good (dropped one by one).
    public var refused: Int64 = 0
    /// Readings that gave way to newer ones because the backlog or the spool was full.
    public var displaced: Int64 = 0
    /// Sampling slots where the sensor gave no reading.
    public var sensorFailures: Int64 = 0
    /// Wall clock, Unix milliseconds, of the last write.
    public var updatedMilliseconds: Int64 = 0

    public static let maximumFileSize = 1024

    public init(sinceMilliseconds: Int64) {
        self.sinceMilliseconds = sinceMilliseconds
    }

    private static let header: StaticString = "kelvin-counters 1"

    /// The keys of version 1, in the order they are written. (No key paths: Embedded Swift.)
    private enum Field: CaseIterable {
        case since, delivered, refused, displaced, sensorFailures, updated

        var name: StaticString {
            switch self {
            case .since: return "since"
            case .delivered: return "delivered"
            case .refused: return "refused"
            case .displaced: return "displaced"
            case .sensorFailures: return "sensor-failures"
            case .updated: return "updated"
            }
        }
    }

    private subscript(field: Field) -> Int64 {
        get {
            switch field {
            case .since: return sinceMilliseconds
            case .delivered: return delivered
            case .refused: return refused
            case .displaced: return displaced
            case .sensorFailures: return sensorFailures
            case .updated: return updatedMilliseconds
            }
        }
        set {
            switch field {
            case .since: sinceMilliseconds = newValue
            case .delivered: delivered = newValue
            case .refused: refused = newValue
            case .displaced: displaced = newValue
            case .sensorFailures: sensorFailures = newValue
            case .updated: updatedMilliseconds = newValue
            }
        }
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 256)
        writer.append(Self.header)
        writer.append(UInt8(ascii: "\n"))
        for field in Field.allCases {
            writer.append(field.name)
            writer.append(UInt8(ascii: "="))
            ASCII.appendDecimal(self[field], to: &writer)
            writer.append(UInt8(ascii: "\n"))
        }
        ChecksummedText.seal(&writer)
        return writer.bytes
    }

    /// The largest count a file may hold: half of `Int64.max`, so that counting on from any
    /// value read never overflows, at a billion readings a second for 146 years.
    public static let maximumCount = Int64.max / 2

    /// The largest value `field` may have in a file: a time up to the year 9999, or a count.
    private static func maximum(_ field: Field) -> Int64 {
        switch field {
        case .since, .updated: return UTCTimestamp.latestMilliseconds
        case .delivered, .refused, .displaced, .sensorFailures: return maximumCount
        }
    }

    /// Reads a file written by ``encoded()``; nil for anything but a whole, intact one whose
    /// numbers are all in range (a file is input like any other: a count of `Int64.max` would
    /// trap at the next `+ 1`).
    public static func decode(_ bytes: [UInt8]) -> DeliveryCounters? {
        guard bytes.count <= maximumFileSize, let lines = try? ChecksummedText.lines(bytes),
              ASCII.equals(lines[0], header) else { return nil }
        var counters = DeliveryCounters(sinceMilliseconds: 0)
        for line in lines.dropFirst() {
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            guard let field = Field.allCases.first(where: { ASCII.equals(line[..<equals], $0.name) }) else { continue }
            guard let value = ASCII.parseDecimal(line[(equals + 1)...], as: Int64.self), value >= 0,
                  value <= maximum(field) else { return nil }
            counters[field] = value
        }
        return counters
    }

    /// Counts `readings` more delivered, saturating at ``maximumCount``.
    public mutating func countDelivered(_ readings: Int) { delivered = Self.sum(delivered, readings) }
    /// Counts `readings` more refused for good, saturating.
    public mutating func countRefused(_ readings: Int = 1) { refused = Self.sum(refused, readings) }
    /// Counts `readings` more displaced by newer ones, saturating.
    public mutating func countDisplaced(_ readings: Int = 1) { displaced = Self.sum(displaced, readings) }
    /// Counts `slots` more without a reading, saturating.
    public mutating func countSensorFailures(_ slots: Int = 1) { sensorFailures = Self.sum(sensorFailures, slots) }

    private static func sum(_ count: Int64, _ more: Int) -> Int64 {
        let (total, overflow) = count.addingReportingOverflow(Int64(max(more, 0)))
        return overflow ? maximumCount : min(max(total, 0), maximumCount)
    }
}
