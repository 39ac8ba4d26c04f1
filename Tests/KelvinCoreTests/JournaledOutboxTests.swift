import Agent
import AzureIoT
import Testing

/// An outbox written through to a spool in memory (`MemorySpoolStorage`, in SpoolTests).
@Suite struct JournaledOutboxTests {
    @Test func outboxWithASpool_journalsAppendsAndAcknowledgesWhatLeaves() throws {
        let (spool, _) = try Spool.open(MemorySpoolStorage(), settings: Spool.Settings(syncPolicy: .never), newMessageIDPrefix: "p")
        let journal = SpoolJournal(spool) { _ in }
        var outbox = journal.outbox(capacity: 2)
        #expect(outbox.append(spoolReading(1)) == nil)
        #expect(outbox.append(spoolReading(2)) == nil)
        #expect(outbox.append(spoolReading(3)) == spoolReading(1))
        #expect(journal.spool.pending == [spoolReading(2), spoolReading(3)][...])
        outbox.removeOldest(1)
        #expect(journal.spool.pending == [spoolReading(3)][...])
        #expect(outbox.pending == [spoolReading(3)][...])

        let (reopened, _) = try Spool.open(journal.spool.storage, newMessageIDPrefix: "q")
        let restored = SpoolJournal(reopened) { _ in }.outbox(capacity: 2)
        #expect(restored.pending == [spoolReading(3)][...])
    }

    @Test func restoringMoreThanTheCapacity_keepsTheNewestAndAcknowledgesTheRest() throws {
        var (spool, _) = try Spool.open(MemorySpoolStorage(), settings: Spool.Settings(syncPolicy: .never), newMessageIDPrefix: "p")
        for sequence in 1...5 { try spool.append(spoolReading(sequence)) }
        let journal = SpoolJournal(spool) { _ in }
        let outbox = journal.outbox(capacity: 3)
        #expect(outbox.pending == [spoolReading(3), spoolReading(4), spoolReading(5)][...])
        #expect(outbox.overflowed == 2)
        #expect(journal.spool.pending == outbox.pending)
    }

    @Test func spoolBoundDroppingTheOldest_dropsThemFromTheOutboxToo() throws {
        let (spool, _) = try Spool.open(MemorySpoolStorage(), settings: Spool.Settings(maximumBytes: 4096, syncPolicy: .never), newMessageIDPrefix: "p")
        let journal = SpoolJournal(spool) { _ in }
        var outbox = journal.outbox(capacity: 1000)
        var displaced: [Reading] = []
        for sequence in 1...141 {
            if let reading = outbox.append(spoolReading(sequence)) { displaced.append(reading) }
        }
        // The 141st reading does not fit: the spool drops its 10 oldest to have room to spare.
        #expect(displaced == [spoolReading(1)])
        #expect(outbox.count == 131)
        #expect(outbox.overflowed == 10)
        #expect(outbox.oldest == spoolReading(11))
        #expect(journal.spool.pending == outbox.pending)
    }

    @Test func withASpool_theBacklogFollowsItsByteBound_notTheInMemoryLimit() throws {
        let (spool, _) = try Spool.open(MemorySpoolStorage(), settings: Spool.Settings(maximumBytes: 1 << 20, syncPolicy: .never), newMessageIDPrefix: "p")
        let journal = SpoolJournal(spool) { _ in }
        // The run reserves room for --backlog-limit readings up front, and grows past it only as
        // the spool allows: 6,000 readings fit in a 1 MiB spool.
        var outbox = journal.outbox(reserving: 4_096)
        for sequence in 1...6_000 { outbox.append(spoolReading(sequence)) }
        #expect(outbox.count == 6_000)
        #expect(outbox.overflowed == 0)
        #expect(journal.spool.pending.count == 6_000)
    }

    @Test func failingStorage_isLoggedOnceAndTheOutboxGoesOnInMemory() throws {
        let storage = MemorySpoolStorage()
        let (spool, _) = try Spool.open(storage, settings: Spool.Settings(syncPolicy: .never), newMessageIDPrefix: "p")
        var lines: [String] = []
        let journal = SpoolJournal(spool) { lines.append($0) }
        var outbox = journal.outbox(capacity: 4)
        outbox.append(spoolReading(1))
        storage.faults.failNextAppend = true
        outbox.append(spoolReading(2))
        outbox.append(spoolReading(3))
        outbox.removeOldest(1)
        #expect(outbox.pending == [spoolReading(2), spoolReading(3)][...])
        #expect(journal.spool.pending == [spoolReading(1)][...])
        #expect(lines == ["the memory storage failed; keeping readings in memory only until restart, so a power cut now loses them"])
    }
}
