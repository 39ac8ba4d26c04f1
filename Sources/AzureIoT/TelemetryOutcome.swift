import HTTP1
import Wire

/// What the hub's answer to a telemetry request means for the device (protocol-facts.md §3.2, §6).
public enum TelemetryOutcome: Equatable, Sendable {
    case delivered
    /// 429 or 5xx: send again later.
    case retryLater(retryAfterSeconds: Int?)
    /// 401/403/404: the hub does not know this identity (deleted, moved, disabled).
    case identityRejected(ServiceFailure)
    /// Any other 4xx: this message will never be accepted.
    case refused(ServiceFailure)

    /// - Parameter wallClockSeconds: now, for a `Retry-After` given as an HTTP-date; without it
    ///   only delay-seconds are read.
    public static func classify(_ response: HTTPResponse, wallClockSeconds: Int64? = nil) -> TelemetryOutcome {
        switch response.status {
        case 200..<300:
            return .delivered
        case 429, 500...:
            let retryAfter = wallClockSeconds.map { response.retryAfterSeconds(now: $0) } ?? response.retryAfterSeconds
            return .retryLater(retryAfterSeconds: retryAfter)
        case 401, 403, 404:
            return .identityRejected(hubFailure(response))
        default:
            return .refused(hubFailure(response))
        }
    }

    /// Hub error bodies are `{"Message": …, "ExceptionMessage": …}`, where `Message` may itself
    /// hold JSON with the six-digit code (§3.2).
    static func hubFailure(_ response: HTTPResponse) -> ServiceFailure {
        var failure = ServiceFailure(httpStatus: response.status, errorCode: nil, message: response.header("iothub-errorcode"), trackingID: nil)
        guard let reader = try? JSONReader(response.body), let message = try? reader.string(at: ["Message"]) else {
            return failure
        }
        if let inner = try? JSONReader(Array(message.utf8)) {
            failure.errorCode = try? inner.integer(at: ["errorCode"])
            failure.trackingID = try? inner.string(at: ["trackingId"])
            if let text = try? inner.string(at: ["message"]) { failure.message = text }
        } else {
            failure.message = message
        }
        return failure
    }
}
