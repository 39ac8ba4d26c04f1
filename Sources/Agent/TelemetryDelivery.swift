import AzureIoT
import HTTP1

/// Delivers one telemetry message straight to a hub, as `kelvin send` does: the retry policy's
/// waits after 429/5xx or a dropped connection, and an error for anything a retry cannot fix.
/// The message ID stays the same across attempts so the hub side can tell a repeat from a new
/// reading. (`kelvin run` goes through `TelemetryUplink`, which also queues and re-provisions.)
public enum TelemetryDelivery {
    public static func deliver<Request: HTTPRequestSource, Transport: HTTPTransport, Clock: AgentClock, Random: RandomSource>(
        _ request: Request,
        to hub: Endpoint,
        transport: inout Transport,
        clock: Clock,
        policy: RetryPolicy = .telemetry,
        random: Random,
        log: (String) -> Void
    ) throws(DeliveryError<Transport.Failure>) {
        var random = random
        var attempt = 1
        while true {
            let failed: FailedAttempt
            do {
                let response = try transport.send(host: hub.host, port: hub.port, request)
                guard let refused = FailedAttempt(response: response, wallClockSeconds: clock.wallClockSeconds) else { return }
                failed = refused
            } catch {
                guard Transport.isTransient(error) else { throw .transport(error) }
                failed = FailedAttempt(connectionProblem: error.description)
            }
            let problem = failed.problem
            switch policy.decide(attempt: attempt, after: failed.trouble, retryAfterSeconds: failed.retryAfterSeconds, random: &random) {
            case .retry(let delay):
                log("\(problem); sending again in \(delay) ms")
                clock.sleep(milliseconds: delay)
                attempt += 1
            case .giveUp:
                throw .gaveUp(attempts: attempt, lastProblem: problem)
            case .dropMessage:
                throw .refused(failed.failure)
            case .reprovision:
                throw .identityRejected(failed.failure)
            }
        }
    }
}

public enum DeliveryError<TransportFailure: Error & CustomStringConvertible>: Error, CustomStringConvertible {
    case transport(TransportFailure)
    /// 401/403/404: the hub no longer knows this identity; provisioning again is the cure.
    case identityRejected(ServiceFailure)
    case refused(ServiceFailure)
    case gaveUp(attempts: Int, lastProblem: String)

    public var description: String {
        switch self {
        case .transport(let failure):
            return failure.description
        case .identityRejected(let failure):
            return "the hub refused this device (\(failure)); it may have been deleted or moved — provision again"
        case .refused(let failure):
            return "the hub refused the message (\(failure))"
        case .gaveUp(let attempts, let problem):
            return "gave up sending after \(attempts) attempts: \(problem)"
        }
    }
}
