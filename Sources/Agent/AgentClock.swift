/// The monotonic time and sleeping the agent's drivers use; injected so a test can run an hour
/// of retries in a millisecond.
public protocol AgentClock {
    var nowMilliseconds: Int64 { get }
    /// Seconds since 1970, for a `Retry-After` given as a date.
    var wallClockSeconds: Int64 { get }
    /// Milliseconds since 1970, for stamping readings.
    var wallClockMilliseconds: Int64 { get }
    func sleep(milliseconds: Int64)
    /// The loop's wait between turns; it may end early for something the loop handles itself
    /// (a reload). Every other wait uses `sleep`.
    func idle(milliseconds: Int64)
}

extension AgentClock {
    public func idle(milliseconds: Int64) { sleep(milliseconds: milliseconds) }
}
