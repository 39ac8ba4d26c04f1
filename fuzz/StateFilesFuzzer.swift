@testable import Agent
import Wire

/// The `saved-assignment` target: `SavedAssignment.decode`, which reads the assignment kept
/// in the state directory, and `ChecksummedText`, its envelope.
///
/// Input: the file's bytes.
///
/// A file that decodes, encoded again, decodes to the same assignment, and that encoding is a
/// fixed point (decode → encode → decode → encode); it fits the size `decode` takes; lines the
/// envelope accepts, sealed again, are the same bytes; every refusal is one clean line.
enum SavedAssignmentTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        checkEnvelope(bytes)
        let saved: SavedAssignment
        do {
            saved = try SavedAssignment.decode(bytes)
        } catch {
            return invariant(isOneCleanLine(error.description), "the error \(Array(error.description.utf8)) is not one clean line")
        }
        let encoded = saved.encoded()
        invariant(encoded.count <= SavedAssignment.maximumFileSize, "a decoded assignment encodes to \(encoded.count) bytes, more than decode takes")
        do {
            let again = try SavedAssignment.decode(encoded)
            invariant(again == saved && again.encoded() == encoded, "\(saved) encoded and decoded is \(again)")
        } catch {
            invariant(false, "\(saved) encoded is refused: \(error)")
        }
    }

    static func checkEnvelope(_ bytes: [UInt8]) {
        guard let lines = try? ChecksummedText.lines(bytes) else { return }
        var writer = ByteWriter(capacity: bytes.count + 32)
        for line in lines {
            writer.append(contentsOf: Array(line))
            writer.append(0x0A)
        }
        ChecksummedText.seal(&writer)
        invariant(writer.bytes == bytes, "the lines of a checksummed file, sealed again, are other bytes")
    }
}

/// The `counters` target: `DeliveryCounters.decode`, which reads `<state directory>/counters`.
///
/// Input: the file's bytes.
///
/// A file that decodes holds counts and times in range; encoded again it decodes the same and
/// fits the size `decode` takes; counting on from any value read saturates rather than traps.
enum CountersTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        guard var counters = DeliveryCounters.decode(Array(data)) else { return }
        for count in [counters.delivered, counters.refused, counters.displaced, counters.sensorFailures] {
            invariant(count >= 0 && count <= DeliveryCounters.maximumCount, "a count of \(count) was read")
        }
        for time in [counters.sinceMilliseconds, counters.updatedMilliseconds] {
            invariant(time >= 0 && time <= UTCTimestamp.latestMilliseconds, "a time of \(time) ms was read")
        }
        let encoded = counters.encoded()
        invariant(encoded.count <= DeliveryCounters.maximumFileSize, "decoded counters encode to \(encoded.count) bytes, more than decode takes")
        invariant(DeliveryCounters.decode(encoded) == counters, "\(counters) encoded decodes to \(String(describing: DeliveryCounters.decode(encoded)))")
        counters.countDelivered(Int.max)
        counters.countRefused(Int.max)
        counters.countDisplaced(Int.max)
        counters.countSensorFailures(Int.max)
        invariant(counters.delivered == DeliveryCounters.maximumCount, "counting on saturated at \(counters.delivered)")
        invariant(DeliveryCounters.decode(counters.encoded()) == counters, "saturated counters do not read back")
    }
}
