import Foundation

/// ISO 8601 UTC times as people type them (`2026-05-01T10:15:00Z`) and as the admin API writes
/// them (seven fractional digits, which ISO8601DateFormatter refuses).
enum UTCTime {
    static func parse(_ text: String) -> Date? {
        guard text.hasSuffix("Z") else { return nil }
        var whole = String(text.dropLast())
        var fraction = 0.0
        if let dot = whole.firstIndex(of: ".") {
            let digits = whole[whole.index(after: dot)...]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                let value = Double("0." + digits)
            else { return nil }
            fraction = value
            whole = String(whole[..<dot])
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: whole + "Z")?.addingTimeInterval(fraction)
    }
}
