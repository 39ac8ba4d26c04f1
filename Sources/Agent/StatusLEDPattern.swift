/// What the status LED shows for each state of the device, as a pure function of time, so the
/// loop can drive a GPIO line from its clock and a test can check any instant.
///
/// The three patterns differ in rhythm rather than brightness, so they can be told apart from
/// across a room: a slow even blink while provisioning, dark with a short blip for each
/// delivered reading while sending, and a fast blink on error.
public enum StatusLEDPattern: Equatable, Sendable {
    /// Registering with DPS: on and off for half a second each.
    case provisioning
    /// Delivering readings: off, except for a blip right after each delivery.
    /// `lastDeliveryMilliseconds` is when the latest one was delivered (nil before the first).
    case sending(lastDeliveryMilliseconds: Int64?)
    /// Something needs a person: on and off for a tenth of a second each.
    case error

    /// Slow blink period: 1 Hz reads as "busy, wait".
    public static let provisioningPeriodMilliseconds: Int64 = 1_000
    /// Fast blink period: 5 Hz reads as "look at me".
    public static let errorPeriodMilliseconds: Int64 = 200
    /// Long enough to see, short enough that a reading every second still looks like blips.
    public static let deliveryBlipMilliseconds: Int64 = 50

    /// Whether the LED is lit at `milliseconds` on the loop's clock.
    public func isOn(atMilliseconds milliseconds: Int64) -> Bool {
        switch self {
        case .provisioning:
            return Self.firstHalf(milliseconds, period: Self.provisioningPeriodMilliseconds)
        case .error:
            return Self.firstHalf(milliseconds, period: Self.errorPeriodMilliseconds)
        case .sending(let delivered):
            guard let delivered else { return false }
            let since = milliseconds - delivered
            return since >= 0 && since < Self.deliveryBlipMilliseconds
        }
    }

    /// The first time after `milliseconds` when the LED may change, so that a loop can sleep
    /// until then rather than wake at a fixed rate; nil when it stays as it is.
    public func nextChange(afterMilliseconds milliseconds: Int64) -> Int64? {
        switch self {
        case .provisioning:
            return Self.nextHalfPeriod(after: milliseconds, period: Self.provisioningPeriodMilliseconds)
        case .error:
            return Self.nextHalfPeriod(after: milliseconds, period: Self.errorPeriodMilliseconds)
        case .sending(let delivered):
            guard let delivered else { return nil }
            if milliseconds < delivered { return delivered }
            let end = delivered + Self.deliveryBlipMilliseconds
            return milliseconds < end ? end : nil
        }
    }

    private static func nextHalfPeriod(after milliseconds: Int64, period: Int64) -> Int64 {
        let half = period / 2
        let phase = ((milliseconds % half) + half) % half
        return milliseconds - phase + half
    }

    /// On for the first half of each period; the floor modulo keeps the phase right for clocks
    /// that read negative.
    private static func firstHalf(_ milliseconds: Int64, period: Int64) -> Bool {
        let phase = ((milliseconds % period) + period) % period
        return phase < period / 2
    }
}
