/// The times of recent requests within a sliding window, in virtual milliseconds: DPS's poll
/// limit per device and its registration limit per instance both count this way.
///
/// The same rule as the emulator's `RateWindow` (Sources/KelvinCloud), which cannot be reused
/// here: it counts Foundation `Date`s inside the SwiftNIO emulator module. Only admitted requests
/// count, and a refusal names the whole seconds until the oldest leaves the window (at least 1),
/// for `Retry-After`.
public struct SlidingWindow: Sendable {
    public let maximum: Int
    public let windowMilliseconds: Int64
    private var times: [Int64] = []
    private var head = 0

    public init(maximum: Int, windowMilliseconds: Int64) {
        self.maximum = max(maximum, 1)
        self.windowMilliseconds = max(windowMilliseconds, 1)
    }

    /// Requests counted within the window that ends at `now`.
    public mutating func count(at now: Int64) -> Int {
        forget(before: now)
        return times.count - head
    }

    /// Admits a request at `now` when fewer than `maximum` were admitted in the window before
    /// it, and counts it; otherwise counts nothing and returns the `Retry-After` seconds.
    public mutating func admit(at now: Int64) -> Int? {
        forget(before: now)
        if times.count - head >= maximum {
            let windowStart = now - windowMilliseconds
            let wait = times[head] - windowStart
            return max(1, Int((wait + 999) / 1000))
        }
        times.append(now)
        return nil
    }

    /// Counts a request at `now` whatever the count, returning how many the window then holds:
    /// for watching what clients send, as against what a server admits.
    public mutating func record(at now: Int64) -> Int {
        forget(before: now)
        times.append(now)
        return times.count - head
    }

    /// Drops the times at or before `now − window`: they have left it.
    private mutating func forget(before now: Int64) {
        let windowStart = now - windowMilliseconds
        while head < times.count, times[head] <= windowStart { head += 1 }
        if head > 64, head * 2 > times.count {
            times.removeFirst(head)
            head = 0
        }
    }
}
