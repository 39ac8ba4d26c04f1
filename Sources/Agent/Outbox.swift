import AzureIoT

/// Readings taken but not yet accepted by the hub, oldest first, in a bounded buffer reserved
/// up front, so that queueing a reading never allocates and an outage cannot eat the memory.
public struct Outbox {
    public let capacity: Int
    private var readings: [Reading]
    /// Readings pushed out by newer ones while the buffer was full, since start.
    public private(set) var overflowed = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        readings = []
        readings.reserveCapacity(self.capacity)
    }

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
        if readings.count == capacity {
            displaced = readings.removeFirst()
            overflowed += 1
        }
        readings.append(reading)
        return displaced
    }

    /// Forgets the `count` oldest readings, once the hub has accepted (or refused for good) them.
    public mutating func removeOldest(_ count: Int) {
        readings.removeFirst(min(count, readings.count))
    }
}
