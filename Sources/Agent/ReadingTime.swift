/// When a reading was taken, on a board that may start without a set clock.
///
/// A Raspberry Pi has no real-time clock: it starts at 1970 (or at the time saved at the last
/// shutdown) and learns the time from NTP once the network is up, which on a bench without
/// Wi-Fi may be hours later. A reading taken before then is stamped from the monotonic clock
/// instead, as `-1 - monotonic`, and given its wall-clock time once the clock is set: the time
/// then, less the monotonic time that passed since. A negative stamp is never sent as a time
/// (see `Reading.hasCreationTime`).
///
/// Monotonic time restarts with the machine, so a monotonic stamp restored from the spool may
/// belong to an earlier boot; ``forgotten(_:)`` turns it into "time unknown" rather than guess.
public enum ReadingTime {
    /// 2024-01-01T00:00:00Z. A clock before it has not been set: no reading of this software
    /// can be older.
    public static let earliestSetClockMilliseconds: Int64 = 1_704_067_200_000

    public static func clockIsSet(wallClockMilliseconds: Int64) -> Bool {
        wallClockMilliseconds >= earliestSetClockMilliseconds
    }

    /// The stamp of a reading taken now.
    public static func stamp(wallClockMilliseconds: Int64, monotonicMilliseconds: Int64) -> Int64 {
        clockIsSet(wallClockMilliseconds: wallClockMilliseconds) ? wallClockMilliseconds : -1 - max(0, monotonicMilliseconds)
    }

    /// Whether `stamp` is a monotonic one, waiting for the clock to be set.
    public static func isMonotonic(_ stamp: Int64) -> Bool { stamp < 0 }

    /// The wall-clock time of `stamp` now that the clock reads `wallClockMilliseconds` at
    /// `monotonicMilliseconds`; a wall-clock stamp is returned as it is.
    public static func fixedUp(_ stamp: Int64, wallClockMilliseconds: Int64, monotonicMilliseconds: Int64) -> Int64 {
        guard isMonotonic(stamp) else { return stamp }
        let takenAt = -1 - stamp
        return max(1, wallClockMilliseconds - max(0, monotonicMilliseconds - takenAt))
    }

    /// `stamp`, with a monotonic one from an earlier process made "time unknown" (0).
    public static func forgotten(_ stamp: Int64) -> Int64 {
        isMonotonic(stamp) ? 0 : stamp
    }
}
