import Agent
import AzureIoT
import Testing
import Wire

/// Spool storage in memory that records every call, so tests can see each sync and rewrite.
struct MemorySpoolStorage: SpoolStorage {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "the memory storage failed" }
    }

    enum Call: Equatable {
        case read(from: Int, count: Int)
        case append(Int)
        case truncate(Int)
        case replace(Int)
        case keepCopy
        case synchronize
    }

    /// Shared with the test, which cannot reach the storage inside a spool.
    final class Faults {
        var failNextAppend = false
    }

    var bytes: [UInt8] = []
    var calls: [Call] = []
    /// What ``keepCopy()`` kept, oldest first.
    var copies: [[UInt8]] = []
    var faults = Faults()

    var location: String { "memory" }
    var size: Int { bytes.count }

    mutating func read(from offset: Int, count: Int) throws(Failure) -> [UInt8] {
        calls.append(.read(from: offset, count: count))
        return Array(bytes[offset..<min(offset + count, bytes.count)])
    }

    mutating func append(_ more: [UInt8]) throws(Failure) {
        calls.append(.append(more.count))
        if faults.failNextAppend {
            faults.failNextAppend = false
            throw Failure()
        }
        bytes += more
    }

    mutating func truncate(to size: Int) throws(Failure) {
        calls.append(.truncate(size))
        bytes.removeLast(bytes.count - size)
    }

    mutating func replace(with new: [UInt8]) throws(Failure) {
        calls.append(.replace(new.count))
        bytes = new
    }

    mutating func keepCopy() throws(Failure) -> String {
        calls.append(.keepCopy)
        copies.append(bytes)
        return "memory.damaged-\(copies.count)"
    }

    mutating func synchronize() throws(Failure) {
        calls.append(.synchronize)
    }
}

func spoolReading(_ sequence: Int, temperature: Int32 = 21_500) -> Reading {
    Reading(temperature: Millidegrees(temperature), temperatureFractionDigits: 2,
            takenAtMilliseconds: 1_712_345_678_000 + Int64(sequence) * 60_000, sequence: sequence)
}

@Suite struct SpoolRecordTests {
    @Test func readingWithHumidityAndPressure_roundTripsThroughItsBytes() {
        let reading = Reading(
            temperature: Millidegrees(-40_125), temperatureFractionDigits: 3,
            humidity: RelativeHumidity(millipercent: 45_678, fractionDigits: 1), pressure: Pressure(pascals: 101_325),
            takenAtMilliseconds: -5, sequence: 4_000_000_000 as Int
        )
        let bytes = SpoolRecord.reading(reading).encoded()
        #expect(bytes.count == 38)
        #expect(Array(bytes.prefix(3)) == [32, 0, 1])
        let decoded = SpoolRecord.decode(bytes)
        #expect(decoded.tailStart == 38)
        #expect(decoded.records.map(\.record) == [.reading(reading)])
    }

    @Test func readingWithoutOptionalQuantities_isTwentyNineBytes() {
        let reading = spoolReading(7, temperature: -1)
        let bytes = SpoolRecord.reading(reading).encoded()
        #expect(bytes.count == 29)
        #expect(SpoolRecord.decode(bytes).records.map(\.record) == [.reading(reading)])
    }

    @Test func runAndAcknowledgementRecords_roundTrip() {
        let records: [SpoolRecord] = [
            .run(firstUnreservedSequence: 1001, messageIDPrefix: "sensor-7-0a1b2c3d"),
            .reading(spoolReading(1)),
            .acknowledgement(readingsFromStart: 1),
        ]
        let bytes = records.flatMap { $0.encoded() }
        let decoded = SpoolRecord.decode(bytes)
        #expect(decoded.records.map(\.record) == records)
        #expect(decoded.records.map(\.end) == [32, 61, 76])
        #expect(decoded.tailStart == 76)
    }

    @Test func lastRecordCutAtEveryByte_isATornTailAndEarlierRecordsSurvive() {
        let first = SpoolRecord.reading(spoolReading(1)).encoded()
        let last = SpoolRecord.reading(Reading(temperature: Millidegrees(22_000), temperatureFractionDigits: 2,
                                               humidity: RelativeHumidity(millipercent: 50_000), pressure: Pressure(pascals: 99_000),
                                               takenAtMilliseconds: 1, sequence: 2)).encoded()
        for cut in 0..<last.count {
            let decoded = SpoolRecord.decode(first + last.prefix(cut))
            #expect(decoded.records.map(\.record) == [.reading(spoolReading(1))], "cut after \(cut) bytes")
            #expect(decoded.tailStart == first.count, "cut after \(cut) bytes")
            #expect(decoded.damaged.isEmpty, "cut after \(cut) bytes")
        }
    }

    // This pinned the old rule (damage in the middle ended the intact part, dropping every
    // record after it); it now pins the new one: the damaged record alone is skipped.
    @Test func flippedByteInTheMiddle_skipsThatRecordAndKeepsTheOnesAfterIt() {
        let records = (1...3).map { SpoolRecord.reading(spoolReading($0)).encoded() }
        for index in 0..<records[1].count {
            var damaged = records[1]
            damaged[index] ^= 0x10
            let decoded = SpoolRecord.decode(records[0] + damaged + records[2])
            #expect(decoded.records.map(\.record) == [.reading(spoolReading(1)), .reading(spoolReading(3))], "byte \(index) flipped")
            #expect(decoded.damaged == [29..<58], "byte \(index) flipped")
            #expect(decoded.tailStart == 87, "byte \(index) flipped")
        }
    }

    /// Every record kind around the damaged one, and every bit pattern a flip can leave.
    static let mixedRecords: [SpoolRecord] = [
        .run(firstUnreservedSequence: 101, messageIDPrefix: "sensor-7-0a1b2c3d"),
        .reading(spoolReading(1)),
        .reading(Reading(temperature: Millidegrees(22_000), temperatureFractionDigits: 2,
                         humidity: RelativeHumidity(millipercent: 50_000), pressure: Pressure(pascals: 99_000),
                         takenAtMilliseconds: 1, sequence: 2)),
        .acknowledgement(readingsFromStart: 1),
        .reading(spoolReading(3)),
        .run(firstUnreservedSequence: 201, messageIDPrefix: "sensor-7-0a1b2c3d"),
        .reading(spoolReading(4)),
    ]

    @Test(arguments: 1..<(mixedRecords.count - 1), [0x01, 0x80, 0xFF] as [UInt8])
    func anyByteOfAMiddleRecordDamaged_keepsEveryIntactRecordBeforeAndAfter(damagedIndex: Int, flip: UInt8) {
        let encoded = Self.mixedRecords.map { $0.encoded() }
        let start = encoded[..<damagedIndex].reduce(0) { $0 + $1.count }
        let end = start + encoded[damagedIndex].count
        var intact = Self.mixedRecords
        intact.remove(at: damagedIndex)
        for position in 0..<encoded[damagedIndex].count {
            var bytes = encoded.flatMap { $0 }
            bytes[start + position] ^= flip
            let decoded = SpoolRecord.decode(bytes)
            #expect(decoded.records.map(\.record) == intact, "record \(damagedIndex), byte \(position) ^ \(flip)")
            #expect(decoded.damaged == [start..<end], "record \(damagedIndex), byte \(position) ^ \(flip)")
            #expect(decoded.tailStart == bytes.count, "record \(damagedIndex), byte \(position) ^ \(flip)")
        }
    }

    @Test func damageFollowedByATornTail_skipsTheDamageAndCutsTheTail() {
        let records = (1...3).map { SpoolRecord.reading(spoolReading($0)).encoded() }
        var damaged = records[1]
        damaged[10] ^= 0x01
        let bytes = records[0] + damaged + records[2] + Array(records[0].prefix(11))
        let decoded = SpoolRecord.decode(bytes)
        #expect(decoded.records.map(\.record) == [.reading(spoolReading(1)), .reading(spoolReading(3))])
        #expect(decoded.damaged == [29..<58])
        #expect(decoded.tailStart == 87)
    }

    @Test func lengthFieldsAtTheirMaximum_neitherCrashNorTakeTheRestForARecord() {
        // 0xFFFF claims 65 535 payload bytes the file does not have; 0xFF00 and 0x0408 claim
        // more than any known kind holds.
        let after = SpoolRecord.reading(spoolReading(9)).encoded()
        for length: [UInt8] in [[0xFF, 0xFF], [0x00, 0xFF], [0x08, 0x04], [0x01, 0x00]] {
            let bytes = SpoolRecord.reading(spoolReading(1)).encoded() + length + [UInt8](repeating: 0xFF, count: 40) + after
            let decoded = SpoolRecord.decode(bytes)
            #expect(decoded.records.map(\.record) == [.reading(spoolReading(1)), .reading(spoolReading(9))], "length \(length)")
            #expect(decoded.damaged == [29..<(29 + 42)], "length \(length)")
        }
        // A whole file of 0xFF and of 0x02 (every offset claims a run record of 514 bytes).
        for filler: UInt8 in [0xFF, 0x02, 0x00] {
            let decoded = SpoolRecord.decode([UInt8](repeating: filler, count: 64 * 1024))
            #expect(decoded.records.isEmpty, "filler \(filler)")
            #expect(decoded.tailStart == 0, "filler \(filler)")
        }
    }

    /// A frame whose checksum holds, with any payload: what a hostile or buggy writer can leave.
    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var bytes = [UInt8(truncatingIfNeeded: payload.count), UInt8(truncatingIfNeeded: payload.count >> 8)] + payload
        let checksum = CRC32.checksum(bytes)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift))) }
        return bytes
    }

    static func littleEndian(_ value: UInt64) -> [UInt8] {
        stride(from: 0, to: 64, by: 8).map { UInt8(truncatingIfNeeded: value >> UInt64($0)) }
    }

    @Test(arguments: [UInt64.max, UInt64(Int64.max), UInt64(Int64.max) - 1, UInt64(SpoolRecord.maximumSequence) + 1])
    func numbersPastTheBoundWithIntactChecksums_areDamageNotNumbers(value: UInt64) {
        let reading = Self.frame([1] + Self.littleEndian(value) + Self.littleEndian(0) + [0, 0, 0, 0, 2, 0])
        let run = Self.frame([2] + Self.littleEndian(value) + Array("dev-01".utf8))
        let acknowledgement = Self.frame([3] + Self.littleEndian(value))
        let good = SpoolRecord.reading(spoolReading(1)).encoded()
        for bad in [reading, run, acknowledgement] {
            let decoded = SpoolRecord.decode(good + bad + good)
            #expect(decoded.records.map(\.record) == [.reading(spoolReading(1)), .reading(spoolReading(1))])
            #expect(decoded.damaged == [29..<(29 + bad.count)])
        }
    }

    @Test func theLargestNumbersAllowed_roundTripAndNumberOnWithoutTrapping() throws {
        let largest = SpoolRecord.maximumSequence
        let reading = Reading(temperature: Millidegrees(.max), temperatureFractionDigits: 3, humidity: RelativeHumidity(millipercent: .min),
                              pressure: Pressure(pascals: .max), takenAtMilliseconds: .min, sequence: largest)
        let records: [SpoolRecord] = [.run(firstUnreservedSequence: largest, messageIDPrefix: "d-1"), .reading(reading),
                                      .acknowledgement(readingsFromStart: largest)]
        #expect(SpoolRecord.decode(records.flatMap { $0.encoded() }).records.map(\.record) == records)

        // A spool whose numbers stand at the bound opens and takes readings past it; reading
        // such a file back later treats the reading past the bound as a bad record, not a number
        // (here the last one, so a torn tail).
        var storage = MemorySpoolStorage()
        storage.bytes = records.prefix(2).flatMap { $0.encoded() }
        var (spool, _) = try Spool.open(storage, settings: Spool.Settings(syncPolicy: .never), newMessageIDPrefix: "d-2")
        #expect(spool.nextSequence == largest + 1)
        try spool.append(Reading(temperature: Millidegrees(1), temperatureFractionDigits: 0, takenAtMilliseconds: 1, sequence: largest + 1))
        #expect(spool.nextSequence == largest + 1)
        let (reopened, recovery) = try Spool.open(spool.storage, settings: Spool.Settings(syncPolicy: .never), newMessageIDPrefix: "d-3")
        #expect(reopened.pending == [reading][...])
        #expect(recovery.tornBytes == 29)
        #expect(reopened.nextSequence == largest + 1)
    }

    @Test(arguments: ["", "dev 01", "dev\n01", "dev/01", "dev%01", "dévice", "dev\u{1B}[2J"])
    func runRecordWithAPrefixOutsideItsCharacters_isDamage(prefix: String) {
        let run = Self.frame([2] + Self.littleEndian(101) + Array(prefix.utf8))
        let good = SpoolRecord.reading(spoolReading(1)).encoded()
        let decoded = SpoolRecord.decode(good + run + good)
        #expect(decoded.records.map(\.record) == [.reading(spoolReading(1)), .reading(spoolReading(1))])
        #expect(decoded.damaged.count == 1)
    }

    @Test func randomBytes_neverCrash() {
        var random = SplitMix64(seed: 0x5EED)
        let good = SpoolRecord.reading(spoolReading(1)).encoded()
        for round in 0..<200 {
            let count = Int(random.next() % 600)
            let garbage = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let decoded = SpoolRecord.decode(good + garbage + good)
            #expect(decoded.records.first?.record == .reading(spoolReading(1)), "round \(round)")
            #expect(decoded.records.last?.record == .reading(spoolReading(1)), "round \(round)")
        }
    }
}

@Suite struct SpoolTests {
    let settings = Spool<MemorySpoolStorage>.Settings(maximumBytes: 4096, syncPolicy: .never, compactionThresholdBytes: 200, sequenceReservation: 100)

    @Test func freshSpool_writesARunRecordAndNumbersFromOne() throws {
        let (spool, recovery) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: "dev-01")
        #expect(recovery == SpoolRecovery(pendingReadings: 0, tornBytes: 0, droppedReadings: 0, continuedMessageIDPrefix: false))
        #expect(spool.messageIDPrefix == "dev-01")
        #expect(spool.nextSequence == 1)
        #expect(spool.storage.calls == [.read(from: 0, count: 0), .replace(21)])
        #expect(SpoolRecord.decode(spool.storage.bytes).records.map(\.record) == [.run(firstUnreservedSequence: 1, messageIDPrefix: "dev-01")])
    }

    @Test func appendThenReopen_keepsPendingReadingsTheirPrefixAndNumbersPastTheReservation() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: "dev-01")
        for sequence in 1...3 { try spool.append(spoolReading(sequence)) }
        try spool.acknowledge(1)
        #expect(spool.pending == [spoolReading(2), spoolReading(3)][...])

        let (reopened, recovery) = try Spool.open(spool.storage, settings: settings, newMessageIDPrefix: "dev-02")
        #expect(recovery == SpoolRecovery(pendingReadings: 2, tornBytes: 0, droppedReadings: 0, continuedMessageIDPrefix: true))
        #expect(reopened.pending == [spoolReading(2), spoolReading(3)][...])
        #expect(reopened.messageIDPrefix == "dev-01")
        // Sequence 1 reserved up to 101; those numbers may have been sent before the restart.
        #expect(reopened.nextSequence == 101)
    }

    /// A spool from a version that put a whole 128-character registration ID in the prefix: its
    /// pending readings keep that prefix (a retry must keep its message ID), and the shorter one
    /// (docs/azure-facts.md §4) starts once they are delivered.
    @Test func longPrefixFromAnEarlierVersion_isAcceptedOnReadingBack() throws {
        let old = String(repeating: "a", count: 128) + "-0123abcd"
        let new = String(repeating: "a", count: 90) + "-5f3c1a2b-89abcdef"
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: old)
        try spool.append(spoolReading(1))
        var (reopened, recovery) = try Spool.open(spool.storage, settings: settings, newMessageIDPrefix: new)
        #expect(recovery.continuedMessageIDPrefix)
        #expect(reopened.messageIDPrefix == old)
        try reopened.acknowledge(1)
        let (drained, _) = try Spool.open(reopened.storage, settings: settings, newMessageIDPrefix: new)
        #expect(drained.messageIDPrefix == new)
    }

    @Test func reopenWithNothingPending_adoptsTheNewPrefixAndStartsAnEmptyFile() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: "dev-01")
        try spool.append(spoolReading(1))
        try spool.acknowledge(1)
        let (reopened, recovery) = try Spool.open(spool.storage, settings: settings, newMessageIDPrefix: "dev-02")
        #expect(recovery.continuedMessageIDPrefix == false)
        #expect(reopened.messageIDPrefix == "dev-02")
        #expect(reopened.nextSequence == 1)
        #expect(reopened.storage.bytes == SpoolRecord.run(firstUnreservedSequence: 1, messageIDPrefix: "dev-02").encoded())
    }

    // Found by the spool fuzz target: readings whose run record is gone (lost to damage, or a
    // file that never had one) kept their numbers while new readings started again from 1,
    // under the same new prefix, so message IDs repeated.
    @Test(arguments: [false, true])
    func pendingReadingsWithoutTheirRunRecord_newReadingsNumberPastThem(runRecordDamaged: Bool) throws {
        var runRecord = SpoolRecord.run(firstUnreservedSequence: 1001, messageIDPrefix: "dev-01").encoded()
        runRecord[5] ^= 0x10
        let readings = [spoolReading(5), spoolReading(6)]
        let file = (runRecordDamaged ? runRecord : []) + readings.flatMap { SpoolRecord.reading($0).encoded() }
        var (spool, _) = try Spool.open(MemorySpoolStorage(bytes: file), settings: settings, newMessageIDPrefix: "dev-02")
        #expect(Array(spool.pending) == readings)
        #expect(spool.nextSequence > 6)
        try spool.append(spoolReading(spool.nextSequence))
        let sequences = spool.pending.map(\.sequence)
        #expect(Set(sequences).count == sequences.count)
        let (reopened, _) = try Spool.open(spool.storage, settings: settings, newMessageIDPrefix: "dev-03")
        #expect(reopened.nextSequence > sequences.max()!)
    }

    @Test func tornTailAtEveryByteOfTheLastRecord_isTruncatedOnOpen() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: "dev-01")
        try spool.append(spoolReading(1))
        try spool.append(spoolReading(2))
        let whole = spool.storage.bytes
        let intact = whole.count - 29
        for cut in 1..<29 {
            var storage = MemorySpoolStorage()
            storage.bytes = Array(whole.prefix(intact + cut))
            let (reopened, recovery) = try Spool.open(storage, settings: settings, newMessageIDPrefix: "dev-02")
            #expect(recovery == SpoolRecovery(pendingReadings: 1, tornBytes: cut, droppedReadings: 0, continuedMessageIDPrefix: true), "cut \(cut)")
            #expect(reopened.pending == [spoolReading(1)][...], "cut \(cut)")
            #expect(reopened.storage.bytes == Array(whole.prefix(intact)), "cut \(cut)")
            #expect(reopened.storage.calls == [.read(from: 0, count: intact + cut), .truncate(intact), .synchronize], "cut \(cut)")
        }
    }

    @Test func damageInTheMiddle_keepsACopyRewritesFromTheIntactRecordsAndSaysHowMuchWasSkipped() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: "dev-01")
        for sequence in 1...4 { try spool.append(spoolReading(sequence)) }
        var damaged = spool.storage
        let secondReading = damaged.bytes.count - 3 * 29
        damaged.bytes[secondReading + 12] ^= 0x40
        let original = damaged.bytes

        let (reopened, recovery) = try Spool.open(damaged, settings: settings, newMessageIDPrefix: "dev-02")
        #expect(recovery == SpoolRecovery(pendingReadings: 3, tornBytes: 0, droppedReadings: 0, continuedMessageIDPrefix: true,
                                          damagedBytes: 29, damagedCopy: "memory.damaged-1"))
        #expect(reopened.pending == [spoolReading(1), spoolReading(3), spoolReading(4)][...])
        #expect(reopened.messageIDPrefix == "dev-01")
        #expect(reopened.storage.copies == [original])
        #expect(Array(reopened.storage.calls.suffix(3)) == [.read(from: 0, count: original.count), .keepCopy, .replace(reopened.storage.bytes.count)])
        // The rewritten file holds the intact records only, and reads back without damage.
        let contents = SpoolContents(decoding: reopened.storage.bytes)
        #expect(contents.damagedBytes == 0)
        #expect(contents.pending == [spoolReading(1), spoolReading(3), spoolReading(4)][...])
        // The damaged stretch could have held a run record reserving past 101: numbering skips on.
        #expect(reopened.nextSequence == 101 + 2 * 100)
        #expect(recovery.description.contains("skipped 29 damaged byte(s)"))
        #expect(recovery.description.contains("memory.damaged-1"))
    }

    @Test func acknowledgementAfterDamage_coversNoReadingItCannotBeSureOf() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: "dev-01")
        for sequence in 1...4 { try spool.append(spoolReading(sequence)) }
        try spool.acknowledge(3)
        var damaged = spool.storage
        // Reading 2 is damaged: the acknowledgement of 3 still counts it, so 1 and 3 are taken
        // and 4 is pending — not 4 and 1 more, which would forget a reading never sent.
        damaged.bytes[damaged.bytes.count - 15 - 3 * 29 + 5] ^= 0x01
        let (reopened, _) = try Spool.open(damaged, settings: settings, newMessageIDPrefix: "dev-02")
        #expect(reopened.pending == [spoolReading(4)][...])

        // 29 damaged bytes of zeros instead of a reading held at most one reading; 28 held none
        // and move nothing on. Where a stretch could have held more, fewer are taken (a resend
        // under the same message ID is the price of the doubt).
        var twoLost = spool.storage
        let second = twoLost.bytes.count - 15 - 3 * 29
        twoLost.bytes.replaceSubrange(second..<(second + 29), with: [UInt8](repeating: 0, count: 58))
        let (conservative, _) = try Spool.open(twoLost, settings: settings, newMessageIDPrefix: "dev-02")
        #expect(conservative.pending == [spoolReading(3), spoolReading(4)][...])
    }

    @Test func recordOfAnUnknownKindWithAnIntactChecksum_isRefusedNotTruncated() throws {
        var storage = MemorySpoolStorage()
        storage.bytes = SpoolRecord.run(firstUnreservedSequence: 1, messageIDPrefix: "p").encoded()
        var future: [UInt8] = [1, 0, 9]
        let checksum = CRC32.checksum(future)
        for shift in stride(from: 0, to: 32, by: 8) { future.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift))) }
        storage.bytes += future
        #expect(throws: SpoolError<MemorySpoolStorage.Failure>.self) {
            _ = try Spool.open(storage, settings: settings, newMessageIDPrefix: "q")
        }
        do {
            _ = try Spool.open(storage, settings: settings, newMessageIDPrefix: "q")
        } catch {
            #expect(error.description == "memory holds records of kind 9, written by a newer Kelvin; run that version to send them, or move the file away to start an empty spool")
        }
    }

    @Test func acknowledgements_compactOnceTheyPassTheThresholdAndHalfTheFile() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: "dev-01")
        for sequence in 1...10 { try spool.append(spoolReading(sequence)) }
        // 21 (run) + 21 (the run record reserving 1..<101) + 10 × 29 readings.
        #expect(spool.storage.size == 332)
        try spool.acknowledge(4)
        // 116 acknowledged + 21 superseded run + 15 acknowledgement bytes: under the threshold.
        #expect(spool.storage.size == 347)
        try spool.acknowledge(3)
        // Now 203 + 21 + 30 dead bytes of 362: rewritten as the run record and 3 readings.
        #expect(spool.storage.calls.last == .replace(21 + 3 * 29))
        #expect(spool.storage.size == 108)
        #expect(spool.liveBytes == 108)
        #expect(SpoolRecord.decode(spool.storage.bytes).records.map(\.record) == [
            .run(firstUnreservedSequence: 101, messageIDPrefix: "dev-01"),
            .reading(spoolReading(8)), .reading(spoolReading(9)), .reading(spoolReading(10)),
        ])
        let (reopened, _) = try Spool.open(spool.storage, settings: settings, newMessageIDPrefix: "x")
        #expect(reopened.pending == [spoolReading(8), spoolReading(9), spoolReading(10)][...])
    }

    @Test func acknowledgementRecords_countFromTheStartOfTheFile() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: "p")
        for sequence in 1...3 { try spool.append(spoolReading(sequence)) }
        try spool.acknowledge(1)
        try spool.acknowledge(1)
        let records = SpoolRecord.decode(spool.storage.bytes).records.map(\.record)
        #expect(Array(records.suffix(2)) == [.acknowledgement(readingsFromStart: 1), .acknowledgement(readingsFromStart: 2)])
        let (reopened, _) = try Spool.open(spool.storage, settings: settings, newMessageIDPrefix: "p")
        #expect(reopened.pending == [spoolReading(3)][...])
    }

    @Test func fullSpool_dropsTheOldestAndCountsThemNeverTheNewest() throws {
        // 4096 bytes hold the 21-byte run record and 140 readings of 29 bytes; the 141st drops
        // the 10 oldest, leaving a sixteenth of the bound to spare.
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: "dev-01")
        var droppedByAppends = 0
        for sequence in 1...150 { droppedByAppends += try spool.append(spoolReading(sequence)) }
        #expect(spool.dropped == 10)
        #expect(droppedByAppends == 10)
        #expect(spool.pending.count == 140)
        #expect(spool.pending.first == spoolReading(11))
        #expect(spool.pending.last == spoolReading(150))
        #expect(spool.storage.size <= 4096)
        let (reopened, _) = try Spool.open(spool.storage, settings: settings, newMessageIDPrefix: "x")
        #expect(Array(reopened.pending) == Array(spool.pending))
    }

    @Test func smallerBoundAtOpen_dropsTheOldestToFit() throws {
        let larger = Spool<MemorySpoolStorage>.Settings(maximumBytes: 8192, syncPolicy: .never, compactionThresholdBytes: 200, sequenceReservation: 100)
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: larger, newMessageIDPrefix: "p")
        for sequence in 1...200 { try spool.append(spoolReading(sequence)) }
        #expect(spool.dropped == 0)
        let (reopened, recovery) = try Spool.open(spool.storage, settings: settings, newMessageIDPrefix: "p")
        // With the 16-byte run record and 256 bytes (a sixteenth) to spare, 131 readings fit.
        #expect(recovery.droppedReadings == 69)
        #expect(reopened.pending.first == spoolReading(70))
        #expect(reopened.storage.size == 16 + 131 * 29)
    }

    @Test func syncPolicyAlways_synchronizesEveryReadingAndAcknowledgement() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: Spool.Settings(syncPolicy: .always, sequenceReservation: 100), newMessageIDPrefix: "p")
        try spool.append(spoolReading(1))
        try spool.append(spoolReading(2))
        try spool.acknowledge(2)
        #expect(spool.storage.calls == [
            .read(from: 0, count: 0), .replace(16),
            .append(16), .synchronize, .append(29), .synchronize,
            .append(29), .synchronize,
            .append(15), .synchronize,
        ])
    }

    @Test func syncPolicyEveryThree_synchronizesEveryThirdReadingAndReservationsAlways() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: Spool.Settings(syncPolicy: .everyRecords(3), sequenceReservation: 4), newMessageIDPrefix: "p")
        for sequence in 1...7 { try spool.append(spoolReading(sequence)) }
        try spool.acknowledge(1)
        #expect(Array(spool.storage.calls.dropFirst(2)) == [
            .append(16), .synchronize, .append(29),  // 1 reserves 1..<5
            .append(29), .append(29), .synchronize,  // 2, 3
            .append(29),                             // 4
            .append(16), .synchronize, .append(29),  // 5 reserves 5..<9
            .append(29), .append(29), .synchronize,  // 6, 7
            .append(15),
        ])
    }

    @Test func syncPolicyNever_synchronizesOnlyTheReservation() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: Spool.Settings(syncPolicy: .never, sequenceReservation: 100), newMessageIDPrefix: "p")
        for sequence in 1...5 { try spool.append(spoolReading(sequence)) }
        try spool.acknowledge(5)
        #expect(spool.storage.calls.filter { $0 == .synchronize }.count == 1)
        try spool.synchronize()
        #expect(spool.storage.calls.last == .synchronize)
    }

    @Test func failedAppend_leavesTheSpoolAsItWas() throws {
        let storage = MemorySpoolStorage()
        var (spool, _) = try Spool.open(storage, settings: settings, newMessageIDPrefix: "p")
        try spool.append(spoolReading(1))
        storage.faults.failNextAppend = true
        #expect(throws: SpoolError<MemorySpoolStorage.Failure>.self) { try spool.append(spoolReading(2)) }
        #expect(spool.pending == [spoolReading(1)][...])
        #expect(spool.nextSequence == 2)
    }
}

/// What `kelvin status` reads: the spool as it is, without opening it for writing.
@Suite struct SpoolContentsTests {
    let settings = Spool<MemorySpoolStorage>.Settings(maximumBytes: 4096, syncPolicy: .never, compactionThresholdBytes: 200, sequenceReservation: 100)

    @Test func pendingReadings_tornTailAndNumbering_areReadWithoutChangingTheFile() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: settings, newMessageIDPrefix: "dev-01")
        for sequence in 1...4 { try spool.append(spoolReading(sequence)) }
        try spool.acknowledge(1)
        let torn = spool.storage.bytes + [0x07, 0x00, 0x00]
        let contents = SpoolContents(decoding: torn)
        #expect(contents.pending == [spoolReading(2), spoolReading(3), spoolReading(4)][...])
        #expect(contents.acknowledged == 1)
        #expect(contents.messageIDPrefix == "dev-01")
        #expect(contents.reservedUpTo == 101)
        #expect(contents.tornBytes == 3)
        #expect(contents.fileBytes == torn.count)
        #expect(contents.unknownKind == nil)
    }

    @Test func anEmptyFile_holdsNothing() {
        let contents = SpoolContents(decoding: [])
        #expect(contents.pending.isEmpty)
        #expect(contents.messageIDPrefix == nil)
        #expect(contents.tornBytes == 0)
    }
}

@Suite struct DeliveryCountersTests {
    static let counters: DeliveryCounters = {
        var counters = DeliveryCounters(sinceMilliseconds: 1_800_000_000_000)
        counters.delivered = 1_423
        counters.refused = 2
        counters.displaced = 7
        counters.sensorFailures = 3
        counters.updatedMilliseconds = 1_800_000_600_000
        return counters
    }()

    @Test func roundTrip_asTextAPersonCanRead() throws {
        let bytes = Self.counters.encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("kelvin-counters 1\nsince=1800000000000\ndelivered=1423\nrefused=2\ndisplaced=7\nsensor-failures=3\nupdated=1800000600000\ncrc32="))
        #expect(DeliveryCounters.decode(bytes) == Self.counters)
    }

    @Test func aCutOrAFlippedByteAnywhere_isRefused() {
        let bytes = Self.counters.encoded()
        for length in 0..<bytes.count {
            #expect(DeliveryCounters.decode(Array(bytes.prefix(length))) == nil, "cut at \(length)")
        }
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x01
            #expect(DeliveryCounters.decode(damaged) == nil, "byte \(index) flipped")
        }
    }

    @Test func anotherKindOfFile_isRefused() {
        var writer = ByteWriter(capacity: 64)
        writer.append("kelvin-assignment 1\ndelivered=5\n")
        let checksum = CRC32.checksum(writer.bytes)
        writer.append("crc32=")
        writer.append(ASCII.hexadecimalString([UInt8(checksum >> 24), UInt8(checksum >> 16 & 0xFF), UInt8(checksum >> 8 & 0xFF), UInt8(checksum & 0xFF)]))
        writer.append("\n")
        #expect(DeliveryCounters.decode(writer.bytes) == nil)
    }

    static func sealed(_ body: String) -> [UInt8] {
        let checksum = CRC32.checksum(Array(body.utf8))
        return Array((body + "crc32=" + ASCII.hexadecimalString([UInt8(checksum >> 24), UInt8(checksum >> 16 & 0xFF),
                                                                 UInt8(checksum >> 8 & 0xFF), UInt8(checksum & 0xFF)]) + "\n").utf8)
    }

    @Test(arguments: ["since", "delivered", "refused", "displaced", "sensor-failures", "updated"],
          ["9223372036854775807", "4611686018427387904", "253402300800000", "-1", "99999999999999999999"])
    func aNumberOutOfRange_makesTheFileDamaged(field: String, value: String) {
        let counts = ["delivered", "refused", "displaced", "sensor-failures"]
        // A time past 9999 is out of range; as a count it is fine.
        let fine = counts.contains(field) && value == "253402300800000"
        let decoded = DeliveryCounters.decode(Self.sealed("kelvin-counters 1\n\(field)=\(value)\n"))
        #expect((decoded == nil) == !fine, "\(field)=\(value)")
    }

    @Test func theLargestValuesAllowed_areReadAndCountingOnSaturates() throws {
        let body = "kelvin-counters 1\nsince=253402300799999\ndelivered=4611686018427387903\nrefused=4611686018427387903\n"
            + "displaced=4611686018427387903\nsensor-failures=4611686018427387903\nupdated=253402300799999\n"
        var counters = try #require(DeliveryCounters.decode(Self.sealed(body)))
        counters.countDelivered(Int.max)
        counters.countRefused()
        counters.countDisplaced(5)
        counters.countSensorFailures(-3)
        #expect(counters.delivered == DeliveryCounters.maximumCount)
        #expect(counters.refused == DeliveryCounters.maximumCount)
        #expect(counters.displaced == DeliveryCounters.maximumCount)
        #expect(counters.sensorFailures == DeliveryCounters.maximumCount)
        var fresh = DeliveryCounters(sinceMilliseconds: 0)
        fresh.countDelivered(3)
        fresh.countRefused()
        #expect(fresh.delivered == 3 && fresh.refused == 1)
    }
}
