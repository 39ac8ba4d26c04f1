import Foundation

/// The times of recent requests within a sliding window: DPS's poll limit per device and its
/// registration limit per instance both count this way.
struct RateWindow: Sendable {
    private var times: [Date] = []

    /// Admits a request at `now` when fewer than `maximum` were admitted in the `seconds` before
    /// it, and counts it; otherwise counts nothing and returns the whole seconds until the oldest
    /// leaves the window (at least 1), for `Retry-After`. Only admitted requests count, so a client
    /// that waits as long as it is told is never refused twice.
    mutating func admit(at now: Date, maximum: Int, seconds: Double) -> Int? {
        let windowStart = now.addingTimeInterval(-seconds)
        times.removeAll { $0 <= windowStart }
        if times.count >= maximum, let oldest = times.first {
            return max(1, Int(oldest.timeIntervalSince(windowStart).rounded(.up)))
        }
        times.append(now)
        return nil
    }
}
