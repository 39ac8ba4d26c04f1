/// The virtual clock's agenda: events ordered by time, and events at the same time in the order
/// they were scheduled, so that a run is the same every time whatever the heap's layout.
///
/// A binary min-heap; nothing sleeps: the simulator pops the earliest event and sets its clock
/// to that event's time.
public struct EventQueue<Payload> {
    private struct Entry {
        let time: Int64
        let order: UInt64
        let payload: Payload

        func precedes(_ other: Entry) -> Bool {
            time != other.time ? time < other.time : order < other.order
        }
    }

    private var heap: [Entry] = []
    private var scheduled: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }
    /// The earliest event's time.
    public var nextTime: Int64? { heap.first?.time }

    public mutating func schedule(_ payload: Payload, at time: Int64) {
        heap.append(Entry(time: time, order: scheduled, payload: payload))
        scheduled += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest event.
    public mutating func popFirst() -> (time: Int64, payload: Payload)? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
                if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
                guard smallest != parent else { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return (first.time, first.payload)
    }
}
