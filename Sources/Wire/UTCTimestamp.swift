/// ISO 8601 UTC time with milliseconds, `YYYY-MM-DDTHH:MM:SS.mmmZ`, from Unix milliseconds: the
/// form of IoT Hub's `iothub-creation-time-utc` (protocol-facts.md §3.1), always 24 bytes.
///
/// Times before 1970 are written as 1970-01-01T00:00:00.000Z and times after the last
/// millisecond of 9999 as 9999-12-31T23:59:59.999Z: a device clock that has not been set
/// yet reads as the epoch, which a backend recognises, and the fixed width lets a batch be
/// sized before it is written.
public enum UTCTimestamp {
    /// The length of every timestamp.
    public static let byteCount = 24

    /// 9999-12-31T23:59:59.999Z, the last time four year digits hold.
    public static let latestMilliseconds: Int64 = 253_402_300_799_999

    public static func append(milliseconds: Int64, to writer: inout ByteWriter) {
        let clamped = min(max(milliseconds, 0), latestMilliseconds)
        let days = clamped / 86_400_000
        let millisecondOfDay = clamped % 86_400_000
        let date = civilDate(daysSinceEpoch: days)
        appendDigits(date.year, count: 4, to: &writer)
        writer.append(UInt8(ascii: "-"))
        appendDigits(date.month, count: 2, to: &writer)
        writer.append(UInt8(ascii: "-"))
        appendDigits(date.day, count: 2, to: &writer)
        writer.append(UInt8(ascii: "T"))
        appendDigits(millisecondOfDay / 3_600_000, count: 2, to: &writer)
        writer.append(UInt8(ascii: ":"))
        appendDigits(millisecondOfDay / 60_000 % 60, count: 2, to: &writer)
        writer.append(UInt8(ascii: ":"))
        appendDigits(millisecondOfDay / 1000 % 60, count: 2, to: &writer)
        writer.append(UInt8(ascii: "."))
        appendDigits(millisecondOfDay % 1000, count: 3, to: &writer)
        writer.append(UInt8(ascii: "Z"))
    }

    /// The timestamp as text, for logs.
    public static func text(milliseconds: Int64) -> String {
        ByteWriter.text(capacity: byteCount) { append(milliseconds: milliseconds, to: &$0) }
    }

    /// Howard Hinnant's `civil_from_days` ("chrono-Compatible Low-Level Date Algorithms"): the
    /// proleptic Gregorian date of a day count, in integer arithmetic with no tables. It counts
    /// in 400-year eras of 146 097 days whose years start on 1 March, so the leap day is the last
    /// day of its year and month lengths follow the pattern 153 days per 5 months. Days are
    /// never negative here, which drops the algorithm's adjustment for eras before 0000-03-01.
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468 // days from 0000-03-01 to 1970-01-01
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097 // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365 // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100) // 0...365, from 1 March
        let monthFromMarch = (5 * dayOfYear + 2) / 153 // 0...11
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func appendDigits(_ value: Int64, count: Int, to writer: inout ByteWriter) {
        var place: Int64 = 1
        for _ in 1..<count { place *= 10 }
        while place > 0 {
            writer.append(UInt8(0x30 + value / place % 10))
            place /= 10
        }
    }
}
