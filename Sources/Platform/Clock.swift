import CPosix

/// Time as the device loop needs it: a monotonic clock for deadlines and sleeping, the wall
/// clock only for stamps.
public struct MonotonicClock: Sendable {
    public init() {}

    /// Milliseconds since an arbitrary start. The corresponding C function is `clock_gettime(CLOCK_MONOTONIC)`.
    public var nowMilliseconds: Int64 { cposix_monotonic_milliseconds() }

    /// The corresponding C function is `nanosleep`.
    public func sleep(milliseconds: Int64) {
        guard milliseconds > 0 else { return }
        _ = cposix_sleep_milliseconds(milliseconds)
    }

    /// Sleeps unless a signal arrives first (see `Signals`), so that a termination request is
    /// acted on at once. Returns false when a signal cut the sleep short.
    /// The corresponding C function is `nanosleep`.
    @discardableResult
    public func sleepUnlessSignalled(milliseconds: Int64) -> Bool {
        guard milliseconds > 0 else { return true }
        return cposix_sleep_milliseconds_until_signal(milliseconds) == 0
    }

    /// Seconds since 1970. The corresponding C function is `clock_gettime(CLOCK_REALTIME)`.
    public var wallClockSeconds: Int64 { cposix_wall_clock_seconds() }

    /// Milliseconds since 1970. The corresponding C function is `clock_gettime(CLOCK_REALTIME)`.
    public var wallClockMilliseconds: Int64 { cposix_wall_clock_milliseconds() }
}

/// Seeds from the kernel, for jitter and boot-unique message IDs.
public enum SystemRandom {
    /// 64 bits from the kernel's pool; the monotonic and wall clocks mixed if it is unavailable,
    /// which still differs from boot to boot. The corresponding C function is `getrandom`.
    public static func seed() -> UInt64 {
        var value: UInt64 = 0
        let count = withUnsafeMutableBytes(of: &value) { cposix_random_bytes($0.baseAddress, $0.count) }
        if count == 8 { return value }
        return UInt64(bitPattern: cposix_wall_clock_milliseconds()) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: cposix_monotonic_milliseconds())
    }
}

/// A point on the monotonic clock by which an operation must be done.
public struct Deadline: Sendable {
    public let milliseconds: Int64

    public init(afterMilliseconds interval: Int64, clock: MonotonicClock = MonotonicClock()) {
        milliseconds = clock.nowMilliseconds + interval
    }

    public var remainingMilliseconds: Int64 { max(0, milliseconds - MonotonicClock().nowMilliseconds) }
    public var hasPassed: Bool { remainingMilliseconds == 0 }
}
