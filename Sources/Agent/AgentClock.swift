/// The monotonic time and sleeping the agent's drivers use; injected so a test can run an hour
/// of retries in a millisecond.
public protocol AgentClock {
    var nowMilliseconds: Int64 { get }
    func sleep(milliseconds: Int64)
}

/// A clock that only advances when slept on, for tests of schedules and retries.
public final class ManualClock: AgentClock {
    public private(set) var nowMilliseconds: Int64
    public private(set) var sleeps: [Int64] = []

    public init(startMilliseconds: Int64 = 0) {
        nowMilliseconds = startMilliseconds
    }

    public func sleep(milliseconds: Int64) {
        sleeps.append(milliseconds)
        nowMilliseconds += max(milliseconds, 0)
    }
}
