import Foundation

/// The window in which a generated certificate is valid.
public struct CertificateValidity: Sendable, Equatable {
    public var notBefore: Date
    public var notAfter: Date

    public init(notBefore: Date, notAfter: Date) {
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// Valid for `days` from `hoursBack` hours before `now`.
    ///
    /// Starting in the past keeps a freshly generated certificate acceptable to a peer whose clock
    /// runs a little behind, which is common on boards without an RTC.
    public static func days(_ days: Int, startingHoursAgo hoursBack: Int = 1, from now: Date = Date()) -> Self {
        let start = now.addingTimeInterval(-Double(hoursBack) * 3600)
        return Self(notBefore: start, notAfter: start.addingTimeInterval(Double(days) * 86_400))
    }
}
