import Agent

/// A clock that only advances when slept on, for tests of schedules and retries.
final class ManualClock: AgentClock {
    private(set) var nowMilliseconds: Int64
    private(set) var sleeps: [Int64] = []

    init(startMilliseconds: Int64 = 0) {
        nowMilliseconds = startMilliseconds
    }

    /// Starts at 2027-01-15T08:00:00Z and moves with the monotonic time.
    var wallClockSeconds: Int64 { wallClockMilliseconds / 1000 }
    var wallClockMilliseconds: Int64 { 1_800_000_000_000 + nowMilliseconds }

    func sleep(milliseconds: Int64) {
        sleeps.append(milliseconds)
        nowMilliseconds += max(milliseconds, 0)
    }
}
