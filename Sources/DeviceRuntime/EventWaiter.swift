import HTTP1

/// The one place the agent waits: until a watched descriptor is ready or a deadline passes.
/// `poll(2)` on the device (``PollingWaiter``); virtual time in tests, so a day of schedule runs in
/// a millisecond and a stalled server costs no real waiting.
public protocol EventWaiter {
    var nowMilliseconds: Int64 { get }
    /// Milliseconds since 1970, for stamping readings.
    var wallClockMilliseconds: Int64 { get }
    /// Waits until one of `watched` is ready or the monotonic `deadline` (nil: none) passes. A
    /// signal may end the wait early with nothing ready; the loop looks at the signal flags
    /// every turn, so nothing is missed.
    mutating func wait(_ watched: WatchedDescriptors, untilMilliseconds deadline: Int64?) -> Wakeup
}

/// What the loop watches: the signal wake descriptor, the alert line, and the descriptor the
/// exchange in flight waits on.
public struct WatchedDescriptors: Equatable, Sendable {
    public var signals: Int32?
    public var alert: Int32?
    public var exchange: ExchangeWait?

    public init(signals: Int32? = nil, alert: Int32? = nil, exchange: ExchangeWait? = nil) {
        self.signals = signals
        self.alert = alert
        self.exchange = exchange
    }
}

/// Which watched descriptors were ready when a wait ended.
public struct Wakeup: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let signals = Wakeup(rawValue: 1)
    public static let alert = Wakeup(rawValue: 2)
    public static let exchange = Wakeup(rawValue: 4)
}
