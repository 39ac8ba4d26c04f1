/// At most `maximumRequests` in any `windowSeconds`: DPS's limits (protocol facts §1.10).
public struct RateLimit: Sendable, Equatable {
    public var maximumRequests: Int
    public var windowSeconds: Double

    public init(maximumRequests: Int, windowSeconds: Double) {
        self.maximumRequests = maximumRequests
        self.windowSeconds = windowSeconds
    }

    /// Operation-status polls per device: 5 per 10 s, not adjustable.
    public static let pollsPerDevice = RateLimit(maximumRequests: 5, windowSeconds: 10)
    /// Registrations (and status lookups) per instance: 1,000 a minute per service unit.
    public static let registrationsPerInstance = RateLimit(maximumRequests: 1_000, windowSeconds: 60)
}
