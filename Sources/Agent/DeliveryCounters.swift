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

    /// Reads a file written by ``encoded()``; nil for anything but a whole, intact one.
    public static func decode(_ bytes: [UInt8]) -> DeliveryCounters? {
        guard bytes.count <= maximumFileSize, let lines = try? ChecksummedText.lines(bytes),
              ASCII.equals(lines[0], header) else { return nil }
        var counters = DeliveryCounters(sinceMilliseconds: 0)
        for line in lines.dropFirst() {
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            guard let field = Field.allCases.first(where: { ASCII.equals(line[..<equals], $0.name) }) else { continue }
            guard let value = ASCII.parseDecimal(line[(equals + 1)...], as: Int64.self), value >= 0 else { return nil }
            counters[field] = value
        }
        return counters
    }
}
