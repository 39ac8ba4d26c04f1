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
        case synchronize
    }

    /// Shared with the test, which cannot reach the storage inside a spool.
    final class Faults {
        var failNextAppend = false
    }

    var bytes: [UInt8] = []
    var calls: [Call] = []
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
        #expect(decoded.intactBytes == 38)
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
        #expect(decoded.intactBytes == 76)
    }

    @Test func lastRecordCutAtEveryByte_isATornTailAndEarlierRecordsSurvive() {
        let first = SpoolRecord.reading(spoolReading(1)).encoded()
        let last = SpoolRecord.reading(Reading(temperature: Millidegrees(22_000), temperatureFractionDigits: 2,
                                               humidity: RelativeHumidity(millipercent: 50_000), pressure: Pressure(pascals: 99_000),
                                               takenAtMilliseconds: 1, sequence: 2)).encoded()
        for cut in 0..<last.count {
            let decoded = SpoolRecord.decode(first + last.prefix(cut))
            #expect(decoded.records.map(\.record) == [.reading(spoolReading(1))], "cut after \(cut) bytes")
            #expect(decoded.intactBytes == first.count, "cut after \(cut) bytes")
        }
    }

    @Test func flippedByteInTheMiddle_endsTheIntactPartThere() {
        let records = (1...3).map { SpoolRecord.reading(spoolReading($0)).encoded() }
        for index in 0..<records[1].count {
            var damaged = records[1]
            damaged[index] ^= 0x10
            let decoded = SpoolRecord.decode(records[0] + damaged + records[2])
            #expect(decoded.records.map(\.record) == [.reading(spoolReading(1))], "byte \(index) flipped")
            #expect(decoded.intactBytes == 29, "byte \(index) flipped")
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
}
