import CPosix

/// The one wait of an event loop: every descriptor it owes attention (a socket, a GPIO edge, the
/// signal wake descriptor) in a single `poll(2)`, with its next timer as the timeout.
///
/// The descriptors live in fixed storage inside the value, so a loop that rebuilds its watch list
/// before each wait allocates nothing.
public struct Poller {
    /// The most descriptors one wait takes.
    public static let capacity = 16

    private typealias Entries = (
        cposix_poll_entry, cposix_poll_entry, cposix_poll_entry, cposix_poll_entry,
        cposix_poll_entry, cposix_poll_entry, cposix_poll_entry, cposix_poll_entry,
        cposix_poll_entry, cposix_poll_entry, cposix_poll_entry, cposix_poll_entry,
        cposix_poll_entry, cposix_poll_entry, cposix_poll_entry, cposix_poll_entry
    )

    private var entries: Entries
    private var count = 0

    public init() {
        let empty = cposix_poll_entry(fd: -1, for_writing: 0, ready: 0)
        entries = (empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty)
    }

    /// Forgets every watched descriptor (keeps storage).
    public mutating func removeAll() {
        count = 0
    }

    /// Watches `descriptor` for reading (or writing); returns its index in the next wait's result.
    /// At most ``capacity`` descriptors: a loop watching more has lost track of what it owns.
    @discardableResult
    public mutating func watch(_ descriptor: Int32, forWriting: Bool) -> Int {
        precondition(count < Self.capacity, "a Poller watches at most 16 descriptors")
        let index = count
        withEntries { $0[index] = cposix_poll_entry(fd: descriptor, for_writing: forWriting ? 1 : 0, ready: 0) }
        count += 1
        return index
    }

    /// poll(2) over the watched descriptors, at most `timeoutMilliseconds` (< 0: no limit). A
    /// descriptor that hung up or errored counts as ready (its owner finds out on its next read).
    /// A signal ends the wait early with nothing ready. The corresponding C function is `poll`.
    /// - Throws: the `Errno` of `poll` (EINVAL, ENOMEM); never EINTR.
    public mutating func wait(timeoutMilliseconds: Int64) throws(Errno) -> PollReadiness {
        let timeout = timeoutMilliseconds < 0 ? Int32(-1) : Int32(clamping: timeoutMilliseconds)
        let watched = count
        let result = withEntries { cposix_poll($0.baseAddress, UInt32(watched), timeout) }
        _ = try Errno.check(result)
        var readiness = PollReadiness()
        guard result > 0 else { return readiness }
        withEntries { entries in
            for index in 0..<watched where entries[index].ready != 0 {
                readiness.insert(index)
            }
        }
        return readiness
    }

    private mutating func withEntries<Result>(_ body: (UnsafeMutableBufferPointer<cposix_poll_entry>) -> Result) -> Result {
        // A homogeneous tuple is laid out as an array of its element.
        withUnsafeMutablePointer(to: &entries) { tuple in
            tuple.withMemoryRebound(to: cposix_poll_entry.self, capacity: Self.capacity) { first in
                body(UnsafeMutableBufferPointer(start: first, count: Self.capacity))
            }
        }
    }
}

/// Which of a `Poller`'s watched descriptors a wait found ready, by the index `watch` returned.
public struct PollReadiness: Equatable, Sendable {
    private var bits: UInt32 = 0

    public init() {}

    public func contains(_ index: Int) -> Bool {
        index >= 0 && index < Poller.capacity && bits & (1 << UInt32(index)) != 0
    }

    public var isEmpty: Bool { bits == 0 }

    mutating func insert(_ index: Int) {
        bits |= 1 << UInt32(index)
    }
}
