import AzureIoT

/// Readings taken but not yet accepted by the hub, oldest first, in a bounded buffer reserved
/// up front, so that queueing a reading never allocates and an outage cannot eat the memory.
///
/// With a journal (the spool), every change is written through: a reading is journaled before
/// it is queued, and whatever leaves the queue is acknowledged, so the journal holds exactly
/// the queue and the uplink sends from memory as before.
public struct Outbox {
    public let capacity: Int
    private var readings: [Reading]
    private let journal: OutboxJournal?
    /// Readings pushed out by newer ones while the buffer (or the journal's bound) was full,
    /// since start.
    public private(set) var overflowed = 0

    /// - Parameter reserving: how many readings' room to take up front (at most `capacity`): the
    ///   queue grows past it only during a long outage.
    public init(capacity: Int, reserving: Int? = nil) {
        self.capacity = max(capacity, 1)
        readings = []
        readings.reserveCapacity(min(self.capacity, reserving ?? Self.defaultReservation))
        journal = nil
    }

    /// A queue written through to `journal`, starting with the readings it kept (`restoring`,
    /// oldest first, not journaled again); when they outnumber the capacity, the oldest give way.
    public init(
        capacity: Int, reserving: Int? = nil, journal: OutboxJournal, restoring restored: some Collection<Reading>
    ) {
        self.capacity = max(capacity, 1)
        readings = []
        readings.reserveCapacity(min(self.capacity, max(reserving ?? Self.defaultReservation, restored.count)))
        self.journal = journal
        let excess = max(restored.count - self.capacity, 0)
        readings.append(contentsOf: restored.dropFirst(excess))
        if excess > 0 {
            overflowed = excess
            journal.removedOldest(excess)
        }
    }

    /// The room taken up front when none is named: the in-memory limit's default.
    static let defaultReservation = 4_096

    public var count: Int { readings.count }
    public var isEmpty: Bool { readings.isEmpty }
    public var oldest: Reading? { readings.first }
    /// Every pending reading, oldest first; a view, not a copy.
    public var pending: ArraySlice<Reading> { readings[...] }

    /// Queues a reading; when full, the oldest gives way, since a recent reading is worth more.
    /// - Returns: the reading that gave way, if any.
    @discardableResult
    public mutating func append(_ reading: Reading) -> Reading? {
        var displaced: Reading?
        if let journal {
            // The journal's byte bound dropped its oldest, which are this queue's oldest too.
            let droppedByJournal = min(journal.appended(reading), readings.count)
            if droppedByJournal > 0 {
                displaced = readings[0]
                readings.removeFirst(droppedByJournal)
                overflowed += droppedByJournal
            }
        }
        if readings.count == capacity {
            let oldest = readings.removeFirst()
            displaced = displaced ?? oldest
            overflowed += 1
            journal?.removedOldest(1)
        }
        readings.append(reading)
        return displaced
    }

    /// Gives the readings new times (the clock was set after they were taken) where `stamp`
    /// changes them. The journal keeps the times the readings were written with.
    /// - Returns: how many readings changed.
    @discardableResult
    public mutating func restamp(_ stamp: (Int64) -> Int64) -> Int {
        var changed = 0
        for index in readings.indices {
            let new = stamp(readings[index].takenAtMilliseconds)
            if new != readings[index].takenAtMilliseconds {
                readings[index].takenAtMilliseconds = new
                changed += 1
            }
        }
        return changed
    }

    /// Forgets the `count` oldest readings, once the hub has accepted (or refused for good) them.
    public mutating func removeOldest(_ count: Int) {
        let removed = min(max(count, 0), readings.count)
        guard removed > 0 else { return }
        readings.removeFirst(removed)
        journal?.removedOldest(removed)
    }
}

/// Where an ``Outbox`` writes its changes through to: closures rather than a generic
/// parameter, so that `Outbox` stays one type for the uplink and the loop whether it has a
/// journal or not. Failures stay inside the journal (see ``SpoolJournal``): a reading that
/// cannot be kept on disk is still worth sending.
public struct OutboxJournal {
    /// Called before a reading is queued; returns how many of the oldest queued readings the
    /// journal dropped to make room for it.
    public var appended: (Reading) -> Int
    /// Called after the `count` oldest readings left the queue.
    public var removedOldest: (Int) -> Void

    public init(appended: @escaping (Reading) -> Int, removedOldest: @escaping (Int) -> Void) {
        self.appended = appended
        self.removedOldest = removedOldest
    }
}
