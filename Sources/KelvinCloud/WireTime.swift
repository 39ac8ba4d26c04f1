import Foundation

/// The two timestamp spellings the Azure services put on the wire.
enum WireTime {
    /// `2022-08-27T17:53:19.5143497Z`: UTC with seven fractional digits, as .NET's round-trip
    /// format writes `createdDateTimeUtc` and `timestampUtc`.
    static func azureTimestamp(_ instant: Date) -> String {
        let parts = utcComponents(instant)
        let fraction = instant.timeIntervalSince1970 - instant.timeIntervalSince1970.rounded(.down)
        let ticks = min(Int((fraction * 10_000_000).rounded(.down)), 9_999_999)
        return "\(padded(parts.year, 4))-\(padded(parts.month, 2))-\(padded(parts.day, 2))"
            + "T\(padded(parts.hour, 2)):\(padded(parts.minute, 2)):\(padded(parts.second, 2))"
            + ".\(padded(ticks, 7))Z"
    }

    /// `Sat, 27 Aug 2022 17:53:18 GMT` (RFC 9110 IMF-fixdate) for the `Date` header.
    static func httpDate(_ instant: Date) -> String {
        let parts = utcComponents(instant)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[parts.weekday - 1]), \(padded(parts.day, 2)) \(months[parts.month - 1]) \(parts.year)"
            + " \(padded(parts.hour, 2)):\(padded(parts.minute, 2)):\(padded(parts.second, 2)) GMT"
    }

    private struct UTCParts {
        var year, month, day, hour, minute, second, weekday: Int
    }

    private static func utcComponents(_ instant: Date) -> UTCParts {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let wholeSeconds = Date(timeIntervalSince1970: instant.timeIntervalSince1970.rounded(.down))
        let components = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second, .weekday],
            from: wholeSeconds
        )
        return UTCParts(
            year: components.year!,
            month: components.month!,
            day: components.day!,
            hour: components.hour!,
            minute: components.minute!,
            second: components.second!,
            weekday: components.weekday!
        )
    }

    private static func padded(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
