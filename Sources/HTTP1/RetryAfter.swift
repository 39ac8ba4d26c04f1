import Wire

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date in the IMF-fixdate form
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), the only date form a sender may generate.
public enum RetryAfter {
    /// - Parameter now: seconds since 1970; nil when the caller has no clock, in which case a
    ///   date counts as unreadable.
    public static func seconds(_ value: ArraySlice<UInt8>, now: Int64?) -> Int? {
        var start = value.startIndex
        var end = value.endIndex
        while start < end, value[start] == 0x20 || value[start] == 0x09 { start += 1 }
        while end > start, value[end - 1] == 0x20 || value[end - 1] == 0x09 { end -= 1 }
        let trimmed = value[start..<end]
        // delay-seconds is 1*DIGIT: no sign ("-0" is not a delay).
        if let seconds = digits(trimmed) { return seconds }
        guard let now, let date = imfFixdate(trimmed) else { return nil }
        let delay = date - now
        return delay > 0 ? Int(clamping: delay) : 0
    }

    /// Seconds since 1970 of an IMF-fixdate, or nil when the text is not one.
    public static func imfFixdate(_ text: ArraySlice<UInt8>) -> Int64? {
        // "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes at fixed offsets.
        guard text.count == 29 else { return nil }
        let bytes = Array(text)
        guard bytes[3] == UInt8(ascii: ","), bytes[4] == 0x20, bytes[7] == 0x20, bytes[11] == 0x20,
              bytes[16] == 0x20, bytes[19] == UInt8(ascii: ":"), bytes[22] == UInt8(ascii: ":"), bytes[25] == 0x20,
              ASCII.equals(bytes[26..<29], "GMT"),
              let day = digits(bytes[5..<7]),
              let month = monthNumber(bytes[8..<11]),
              let year = digits(bytes[12..<16]),
              let hour = digits(bytes[17..<19]),
              let minute = digits(bytes[20..<22]),
              let second = digits(bytes[23..<25]),
              (1...31).contains(day), (1970...9999).contains(year), hour < 24, minute < 60, second < 61
        else { return nil }
        return (daysSinceEpoch(year: year, month: month, day: day) * 86_400) + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The number `text` spells in ASCII digits only, or nil. `ASCII.parseDecimal` takes a
    /// sign, so "-1" passed as an hour and "-0" as a delay (found by the retry-after fuzz
    /// target's invariants).
    private static func digits(_ text: ArraySlice<UInt8>) -> Int? {
        guard text.allSatisfy(ASCII.isDigit) else { return nil }
        return ASCII.parseDecimal(text)
    }

    private static func monthNumber(_ name: ArraySlice<UInt8>) -> Int? {
        let months: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        for (index, month) in months.enumerated() where ASCII.equals(name, month) {
            return index + 1
        }
        return nil
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let shiftedYear = Int64(month <= 2 ? year - 1 : year)
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
