@testable import Agent
@testable import AzureIoT
import Wire

/// The `spool` target: `SpoolRecord.decode`, `SpoolContents` and `Spool.open`, which read the
/// spool file back after a restart or a power cut, then carry on appending to it.
///
/// Input: byte 0 picks the spool's byte bound and sync policy; the rest is the file.
///
/// Decoding accounts for every byte (records, damaged stretches and the torn tail tile the
/// file); each intact record re-encodes to exactly its bytes (decode → encode → decode); the
/// file cut after any record decodes to the records up to it (a power cut costs nothing
/// before it); the counts agree; a decoded reading renders to a JSON body of the predicted
/// length. Opening leaves a file within the bound whose pending readings are the spool's, the
/// newest of those found, and after one more append the file still decodes to them.
enum SpoolTarget {
    struct Storage: SpoolStorage {
        struct Failure: Error, CustomStringConvertible {
            var description: String { "memory storage" }
        }
        var bytes: [UInt8]
        var copies = 0
        var location: String { "spool" }
        var size: Int { bytes.count }
        mutating func read(from offset: Int, count: Int) throws(Failure) -> [UInt8] { Array(bytes[offset..<min(offset + count, bytes.count)]) }
        mutating func append(_ more: [UInt8]) throws(Failure) { bytes += more }
        mutating func truncate(to size: Int) throws(Failure) { bytes.removeLast(bytes.count - size) }
        mutating func replace(with new: [UInt8]) throws(Failure) { bytes = new }
        mutating func keepCopy() throws(Failure) -> String {
            copies += 1
            return "spool.damaged"
        }
        mutating func synchronize() throws(Failure) {}
    }

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let control = input.byte()
        let bytes = input.rest()
        let decoded = SpoolRecord.decode(bytes)
        checkTiling(decoded, bytes)
        checkCutAfterEachRecord(decoded, bytes)
        let contents = SpoolContents(decoding: bytes)
        checkContents(contents, decoded)
        open(bytes, contents, control: control)
    }

    static func checkTiling(_ decoded: SpoolRecord.Decoded, _ bytes: [UInt8]) {
        var offset = 0
        var damage = decoded.damaged[...]
        var reencoded: [UInt8] = []
        for (record, end) in decoded.records {
            if let stretch = damage.first, stretch.lowerBound == offset {
                invariant(!stretch.isEmpty, "an empty damaged stretch at \(offset)")
                offset = stretch.upperBound
                damage = damage.dropFirst()
            }
            let encoded = record.encoded()
            invariant(end > offset && Array(bytes[offset..<end]) == encoded, "the record at \(offset)..<\(end) does not re-encode to its bytes: \(record)")
            reencoded += encoded
            offset = end
            if case .reading(let reading) = record { checkBody(reading) }
        }
        if let stretch = damage.first, stretch.lowerBound == offset {
            offset = stretch.upperBound
            damage = damage.dropFirst()
        }
        invariant(damage.isEmpty, "damaged stretches \(Array(damage)) lie outside the records' gaps")
        invariant(offset == decoded.tailStart && decoded.tailStart <= bytes.count,
                  "records and damage end at \(offset), the torn tail starts at \(decoded.tailStart) of \(bytes.count)")
        let again = SpoolRecord.decode(reencoded)
        invariant(again.damaged.isEmpty && again.tailStart == reencoded.count
                  && again.records.map(\.record) == decoded.records.map(\.record),
                  "the intact records, written back to back, decode otherwise")
    }

    static func checkCutAfterEachRecord(_ decoded: SpoolRecord.Decoded, _ bytes: [UInt8]) {
        // Every cut would be quadratic; the last few records show the same.
        for index in decoded.records.indices.suffix(4) {
            let end = decoded.records[index].end
            let cut = SpoolRecord.decode(Array(bytes[..<end]))
            invariant(cut.records.map(\.record) == decoded.records[...index].map(\.record) && cut.tailStart == end,
                      "cut after record \(index) (byte \(end)), the file decodes to \(cut.records.count) records, tail at \(cut.tailStart)")
        }
    }

    static func checkBody(_ reading: Reading) {
        var writer = ByteWriter(capacity: 256)
        reading.writeBody(to: &writer)
        invariant(writer.count == reading.bodyByteCount && !writer.overflowed,
                  "reading \(reading) wrote \(writer.count) body bytes, \(reading.bodyByteCount) predicted")
        invariant((try? JSONReader(writer.bytes)) != nil, "reading \(reading) wrote a body that is not JSON: \(String(decoding: writer.bytes, as: UTF8.self))")
    }

    static func checkContents(_ contents: SpoolContents, _ decoded: SpoolRecord.Decoded) {
        invariant(contents.acknowledged >= 0 && contents.acknowledged <= contents.readingsInFile.count,
                  "\(contents.acknowledged) acknowledged of \(contents.readingsInFile.count) readings")
        invariant(contents.readingsInFile.allSatisfy { $0.sequence < contents.reservedUpTo },
                  "a reading's sequence is not below the reserved \(contents.reservedUpTo)")
        invariant(contents.tornBytes >= 0 && contents.damagedBytes >= 0 && contents.tornBytes + contents.damagedBytes <= contents.fileBytes,
                  "torn \(contents.tornBytes) + damaged \(contents.damagedBytes) bytes of a \(contents.fileBytes)-byte file")
        if let prefix = contents.messageIDPrefix {
            invariant(SpoolRecord.isMessageIDPrefix(prefix.utf8), "message-ID prefix \(Array(prefix.utf8)) read from the file")
        }
    }

    static func open(_ bytes: [UInt8], _ contents: SpoolContents, control: UInt8) {
        let bounds = [4096, 8192, 65_536, 1 << 20]
        let policies: [SpoolSyncPolicy] = [.always, .everyRecords(10), .never, .everyRecords(3)]
        let settings = Spool<Storage>.Settings(
            maximumBytes: bounds[Int(control & 3)], syncPolicy: policies[Int(control >> 2 & 3)],
            compactionThresholdBytes: control & 0x10 != 0 ? 256 : 16 * 1024, sequenceReservation: control & 0x20 != 0 ? 3 : 1000)
        var spool: Spool<Storage>
        do {
            (spool, _) = try Spool.open(Storage(bytes: bytes), settings: settings, newMessageIDPrefix: "dev-01-5f3a")
        } catch {
            if case .newerFormat = error { return invariant(contents.unknownKind != nil, "newerFormat without an unknown kind") }
            return invariant(false, "opening failed with \(error)")
        }
        invariant(contents.unknownKind == nil, "a file with a record of unknown kind \(contents.unknownKind!) was opened")
        checkFile(spool, settings, "opening")
        let pending = Array(spool.pending)
        let found = Array(contents.pending)
        invariant(found.count >= pending.count && Array(found.suffix(pending.count)) == pending,
                  "the spool keeps \(pending.count) readings that are not the newest of the \(found.count) found")
        invariant(pending.allSatisfy { $0.sequence < spool.nextSequence }, "next sequence \(spool.nextSequence) is not past every pending reading")

        let next = Reading(temperature: Millidegrees(21_500), temperatureFractionDigits: 2, takenAtMilliseconds: 1_765_000_000_000,
                           sequence: spool.nextSequence)
        do {
            try spool.append(next)
        } catch {
            return invariant(false, "appending after opening failed with \(error)")
        }
        checkFile(spool, settings, "appending")
        invariant(spool.pending.last == next, "the reading just appended is not the newest pending")
    }

    /// The file is within its bound and says what the spool holds.
    static func checkFile(_ spool: Spool<Storage>, _ settings: Spool<Storage>.Settings, _ step: String) {
        let file = spool.storage.bytes
        invariant(file.count <= settings.maximumBytes, "after \(step) the file is \(file.count) bytes, over its \(settings.maximumBytes)")
        let reread = SpoolContents(decoding: file)
        invariant(reread.tornBytes == 0 && reread.damagedBytes == 0, "after \(step) the file has torn or damaged bytes")
        invariant(Array(reread.pending) == Array(spool.pending), "after \(step) the file holds \(reread.pending.count) pending readings, the spool \(spool.pending.count)")
        if !spool.pending.isEmpty {
            invariant(ASCII.equals(reread.messageIDPrefix, spool.messageIDPrefix), "after \(step) the file's prefix is not the spool's")
        }
    }
}
