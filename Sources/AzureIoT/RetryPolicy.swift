/// What went wrong with one attempt to talk to a hub.
public enum RetryTrouble: Equatable, Sendable, CustomStringConvertible {
    /// An HTTP answer that is not 2xx, with the six-digit code when the body had one.
    case status(Int, errorCode: Int?)
    /// A connect or I/O deadline passed.
    case timedOut
    /// Refused, reset, closed before answering, temporary DNS failure.
    case connectionFailed

    public var description: String {
        switch self {
        case .status(let status, let errorCode?): return "HTTP \(status) (error \(errorCode))"
        case .status(let status, nil): return "HTTP \(status)"
        case .timedOut: return "no answer in time"
        case .connectionFailed: return "the connection failed"
        }
    }
}

extension RetryTrouble {
    /// A 5xx: the service itself is in trouble.
    public var isServerError: Bool {
        if case .status(500...599, _) = self { return true }
        return false
    }
}

public enum RetryDecision: Equatable, Sendable, CustomStringConvertible {
    case retry(afterMilliseconds: Int64)
    /// Retriable trouble, but the attempts are used up: keep the message for later, never drop it.
    case giveUp
    /// This message can never be accepted (400, 413, other 4xx): drop only it, log why.
    case dropMessage
    /// The hub no longer accepts this identity: provision again through DPS.
    case reprovision

    public var description: String {
        switch self {
        case .retry(let milliseconds): return "retrying in \(milliseconds) ms"
        case .giveUp: return "keeping the message for later"
        case .dropMessage: return "dropping the message"
        case .reprovision: return "provisioning again through DPS"
        }
    }
}

/// When and whether to try a request to a hub (or DPS) again, as a pure function of the attempt
/// number, the trouble, the service's `Retry-After` and a random source.
///
/// Classification (protocol-facts.md §1.6 for DPS, §3.2 for the hub, §6 for what the service
/// docs ask of devices):
///
/// | trouble | decision | why |
/// | --- | --- | --- |
/// | 429 | retry, then give up | throttled; wait for `Retry-After` (§1.8, §3.2) |
/// | 500–599 | retry, then give up | service trouble; back off, the first retry at least 5 s later (§3.2, §6; docs/azure-facts.md §6) |
/// | 408 | retry, then give up | the request timed out at the server; the same bytes may pass next time |
/// | `.timedOut`, `.connectionFailed` | retry, then give up | the network, not the request |
/// | 403 with 403002 or 403004 | retry, then give up | daily quota or the device's queue is full: a quota, not the identity (§3.2) |
/// | other 403 (403012 disabled …) | reprovision | the hub refuses this identity (§3.2, §6) |
/// | 401, 404 | reprovision | the hub no longer knows this identity: deleted or moved (§3.2, §6) |
/// | 400, 413, any other status | drop the message | this message can never be accepted; resending it only blocks the ones behind it |
///
/// The six-digit code may have come from the error's name rather than the body: the hub's older
/// error shape carries no number (docs/azure-facts.md §1, ``HubErrorName``).
///
/// "Give up" keeps the message: the attempts are a bound on one burst of retries, not on the
/// message's life.
public struct RetryPolicy: Equatable, Sendable {
    /// The shortest wait, and the start of the exponential ceiling.
    public var floorMilliseconds: Int64
    /// The longest backoff wait.
    public var capMilliseconds: Int64
    /// Attempts counted from 1; after attempt `maximumAttempts` fails, retriable trouble gives up.
    public var maximumAttempts: Int
    /// The longest wait a `Retry-After` can ask for: a hostile or broken header cannot park a
    /// device for days.
    public var retryAfterCapMilliseconds: Int64
    /// The shortest wait after a 5xx that named no `Retry-After`. Azure asks devices for "the
    /// first retry at least 5 seconds after the response" (docs/azure-facts.md §6): a service
    /// answering 500 is struggling, and a retry a second later only adds to it.
    public var serverErrorFloorMilliseconds: Int64

    /// - Parameter maximumAttempts: clamped to at least 1.
    public init(
        floorMilliseconds: Int64 = 1_000,
        capMilliseconds: Int64 = 60_000,
        maximumAttempts: Int = 6,
        retryAfterCapMilliseconds: Int64 = 600_000,
        serverErrorFloorMilliseconds: Int64 = 5_000
    ) {
        self.floorMilliseconds = floorMilliseconds
        self.capMilliseconds = capMilliseconds
        self.maximumAttempts = max(maximumAttempts, 1)
        self.retryAfterCapMilliseconds = retryAfterCapMilliseconds
        self.serverErrorFloorMilliseconds = serverErrorFloorMilliseconds
    }

    /// Hub telemetry.
    public static let telemetry = RetryPolicy()

    /// DPS's transient failures. The 2 s floor keeps retries inside DPS's limit of 5 polls per
    /// 10 s per device (protocol-facts.md §1.10).
    public static let provisioning = RetryPolicy(floorMilliseconds: 2_000, capMilliseconds: 60_000, maximumAttempts: 6)

    /// Classifies the trouble after attempt number `attempt` (1 = the first try failed) and says
    /// what to do next, by the table on ``RetryPolicy``.
    ///
    /// Draws one value from `random` when the decision is a backoff without `Retry-After`, none
    /// otherwise.
    public func decide<Random: RandomSource>(
        attempt: Int,
        after trouble: RetryTrouble,
        retryAfterSeconds: Int?,
        random: inout Random
    ) -> RetryDecision {
        switch Self.disposition(of: trouble) {
        case .retriable:
            guard
                let delay = backoffDelay(
                    attempt: attempt,
                    retryAfterSeconds: retryAfterSeconds,
                    afterServerError: trouble.isServerError,
                    random: &random
                )
            else {
                return .giveUp
            }
            return .retry(afterMilliseconds: delay)
        case .dropMessage:
            return .dropMessage
        case .reprovision:
            return .reprovision
        }
    }

    /// The wait before attempt `attempt + 1` for retriable trouble, or nil when `attempt` has
    /// used up the attempts.
    ///
    /// Without `Retry-After`: exponential backoff with full jitter above the floor. The ceiling is
    /// `min(cap, floor × 2^attempt)` (saturating, so attempt 10 000 is the cap, not an overflow)
    /// and the delay is uniform in `floor...ceiling` — one draw from `random`. The ceiling
    /// starts at twice the floor, not at the floor, so that even the first retry is spread:
    /// devices that lost the hub together do not all come back one floor later. The floor stays
    /// because a retry sooner than that only adds load to a struggling service.
    ///
    /// With `Retry-After`: exactly `clamp(retryAfter × 1000, floor...retryAfterCap)` and no draw.
    /// Never earlier than the service asked ("only retry after the time indicated",
    /// protocol-facts.md §1.8), never absurdly long, and no jitter on top: the service chose the
    /// time. A negative value counts as 0.
    ///
    /// After a server error (`afterServerError`, a 5xx) the floor is at least
    /// ``serverErrorFloorMilliseconds``, with or without `Retry-After`.
    public func backoffDelay<Random: RandomSource>(
        attempt: Int,
        retryAfterSeconds: Int?,
        afterServerError: Bool = false,
        random: inout Random
    ) -> Int64? {
        let attempt = max(attempt, 1)
        guard attempt < max(maximumAttempts, 1) else { return nil }
        let floor = max(afterServerError ? max(floorMilliseconds, serverErrorFloorMilliseconds) : floorMilliseconds, 0)
        if let retryAfterSeconds {
            let requested = Int64(clamping: max(retryAfterSeconds, 0)).multipliedReportingOverflow(by: 1000)
            let longest = max(retryAfterCapMilliseconds, floor)
            return requested.overflow ? longest : min(max(requested.partialValue, floor), longest)
        }
        let ceiling = max(exponentialCeiling(attempt: attempt, floor: floor), floor)
        return random.uniform(in: floor...ceiling)
    }

    /// `min(cap, floor × 2^attempt)` without overflow.
    private func exponentialCeiling(attempt: Int, floor: Int64) -> Int64 {
        // floor << attempt stays within the cap exactly when floor <= cap >> attempt, and then
        // cannot overflow either.
        guard attempt < Int64.bitWidth - 1, floor <= capMilliseconds >> attempt else { return capMilliseconds }
        return floor << attempt
    }

    private enum Disposition {
        case retriable
        case dropMessage
        case reprovision
    }

    private static func disposition(of trouble: RetryTrouble) -> Disposition {
        switch trouble {
        case .timedOut, .connectionFailed:
            return .retriable
        case .status(let status, let errorCode):
            switch status {
            case 408, 429, 500...599:
                return .retriable
            case 403:
                // Quota and queue depth clear with time; anything else (403012 disabled) is the identity.
                return errorCode == 403_002 || errorCode == 403_004 ? .retriable : .reprovision
            case 401, 404:
                return .reprovision
            default:
                return .dropMessage
            }
        }
    }
}
