/// When the next reading is due.
///
/// With the clock set, readings fall on multiples of the interval on the wall clock (every
/// 5 minutes at :00, :05, …), so that readings from many devices line up in a chart and a gap
/// is easy to see. The first reading is taken at once, and one that would come less than half
/// an interval after the last moves to the boundary after, so no two readings crowd together.
/// Readings missed while the loop was blocked (a re-registration) are skipped, not made up in a
/// burst. Without a set clock there are no boundaries to align to: the next reading is due one
/// interval after this one was due, so a late wake-up does not shift every reading after it.
public enum ReadingSchedule {
    /// The monotonic time of the reading after one due at `dueAt` and started at
    /// `monotonicMilliseconds`, when the wall clock read `wallClockMilliseconds`.
    public static func next(
        dueAt: Int64,
        startedAt monotonicMilliseconds: Int64,
        wallClockMilliseconds: Int64,
        intervalMilliseconds: Int64
    ) -> Int64 {
        let interval = max(1, intervalMilliseconds)
        guard ReadingTime.clockIsSet(wallClockMilliseconds: wallClockMilliseconds) else {
            let next = dueAt + interval
            return next > monotonicMilliseconds ? next : monotonicMilliseconds + interval
        }
        var boundary = (wallClockMilliseconds / interval + 1) * interval
        if boundary - wallClockMilliseconds < (interval + 1) / 2 { boundary += interval }
        return monotonicMilliseconds + (boundary - wallClockMilliseconds)
    }
}
