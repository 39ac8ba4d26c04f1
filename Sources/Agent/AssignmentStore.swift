/// Where the device keeps its DPS assignment between runs: a file on the device, memory in tests.
///
/// Failures stay inside: a store that cannot read or write says why through `log` and the
/// device provisions again, which costs a DPS registration but never a reading.
public protocol AssignmentStore {
    /// The saved assignment, or nil when there is none or it is unusable (said through `log`).
    mutating func load(log: (String) -> Void) -> SavedAssignment?
    mutating func save(_ saved: SavedAssignment, log: (String) -> Void)
}

/// A store with nothing behind it, for `kelvin send`-like runs and tests.
public struct MemoryAssignmentStore: AssignmentStore {
    public var saved: SavedAssignment?
    public private(set) var saves = 0

    public init(saved: SavedAssignment? = nil) {
        self.saved = saved
    }

    public func load(log: (String) -> Void) -> SavedAssignment? { saved }

    public mutating func save(_ saved: SavedAssignment, log: (String) -> Void) {
        self.saved = saved
        saves += 1
    }
}
