import HTTP1
@testable import Wire

/// The `retry-after` target: `RetryAfter.seconds` and `RetryAfter.imfFixdate`, which read the
/// `Retry-After` of DPS and hub answers (delay-seconds or an IMF-fixdate, RFC 9110 §10.2.3).
///
/// Input: five bytes of the current time (seconds since 1970, at most 2^40); the rest is the
/// header's value.
///
/// A delay is never negative, and is delay-seconds only when the value is digits; a date
/// accepted has the IMF-fixdate's digits where the grammar has them and, written back in the
/// canonical form, reads as the same instant (decode → encode → decode); the delay from a date
/// is that instant less now, at least 0; spaces and tabs around the value change nothing.
enum RetryAfterTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let now = Int64(input.integer(bytes: 5))
        let value = input.rest()[...]

        let withoutClock = RetryAfter.seconds(value, now: nil)
        let withClock = RetryAfter.seconds(value, now: now)
        let trimmed = trim(value)
        if let seconds = withoutClock {
            invariant(seconds >= 0, "Retry-After \(Array(value)) read as \(seconds) s")
            invariant(!trimmed.isEmpty && trimmed.allSatisfy(ASCII.isDigit), "Retry-After \(Array(value)) is not digits but read as \(seconds) s")
            invariant(withClock == seconds, "with a clock the same value reads \(String(describing: withClock)) s, without \(seconds) s")
        }
        invariant(RetryAfter.seconds(Array(" \t".utf8)[...] + value + [0x20], now: now) == withClock, "spaces around Retry-After \(Array(value)) changed it")

        if let date = RetryAfter.imfFixdate(trimmed) {
            let text = Array(trimmed)
            for range in [5..<7, 12..<16, 17..<19, 20..<22, 23..<25] {
                invariant(text[range].allSatisfy(ASCII.isDigit), "IMF-fixdate \(text) accepted with \(Array(text[range])) where digits go")
            }
            let canonical = imfFixdate(date)
            invariant(RetryAfter.imfFixdate(canonical[...]) == date, "\(date) written as \(String(decoding: canonical, as: UTF8.self)) reads otherwise")
            if withoutClock == nil {
                invariant(withClock == Int(clamping: max(date - now, 0)), "the date \(date) with now \(now) gave \(String(describing: withClock)) s")
            }
        }
        // The writer side: an instant from the input, written and read back.
        let instant = Int64(input.bytes.count >= 5 ? now % 253_402_300_800 : 0)
        let written = imfFixdate(instant)
        invariant(RetryAfter.imfFixdate(written[...]) == instant, "\(String(decoding: written, as: UTF8.self)) does not read as \(instant)")
    }

    static func trim(_ value: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = value.startIndex
        var end = value.endIndex
        while start < end, value[start] == 0x20 || value[start] == 0x09 { start += 1 }
        while end > start, value[end - 1] == 0x20 || value[end - 1] == 0x09 { end -= 1 }
        return value[start..<end]
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for seconds since 1970 (0 to the end of 9999).
    static func imfFixdate(_ seconds: Int64) -> [UInt8] {
        let days = seconds / 86_400
        let date = UTCTimestamp.civilDate(daysSinceEpoch: days)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(days % 7)]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Int(date.month) - 1]
        func two(_ value: Int64) -> String { value < 10 ? "0" + String(value) : String(value) }
        let second = seconds % 86_400
        let text = "\(weekday), \(two(date.day)) \(month) \(date.year) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) GMT"
        return utf8(text)
    }
}
