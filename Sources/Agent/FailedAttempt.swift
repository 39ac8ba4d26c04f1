import AzureIoT
import HTTP1

/// One attempt at the hub that did not deliver, as the retry policy and the log see it: what
/// `TelemetryUplink` and `TelemetryDelivery` both act on.
struct FailedAttempt {
    let trouble: RetryTrouble
    /// For the log: the hub's refusal, or the connection's problem.
    let problem: String
    let retryAfterSeconds: Int?
    /// The hub's own words; for a connection failure, the problem without a status.
    let failure: ServiceFailure

    /// Nil for a 2xx: the hub took it.
    init?(response: HTTPResponse, wallClockSeconds: Int64) {
        guard !(200..<300).contains(response.status) else { return nil }
        failure = ServiceFailure(hubResponse: response)
        trouble = .status(response.status, errorCode: failure.errorCode)
        problem = "the hub answered \(failure)"
        retryAfterSeconds = response.retryAfterSeconds(now: wallClockSeconds)
    }

    init(connectionProblem: String) {
        trouble = .connectionFailed
        problem = connectionProblem
        retryAfterSeconds = nil
        failure = ServiceFailure(httpStatus: 0, errorCode: nil, message: connectionProblem, trackingID: nil)
    }
}
