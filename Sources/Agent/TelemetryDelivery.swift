import AzureIoT
import HTTP1

/// Delivers one telemetry message, repeating it after 429/5xx or a dropped connection with a
/// bounded, growing delay. The message ID stays the same across attempts so the hub side can
/// tell a repeat from a new reading.
public enum TelemetryDelivery {
    public struct Policy: Sendable {
        public var maximumAttempts: Int
        public var firstDelayMilliseconds: Int64
        public var maximumDelayMilliseconds: Int64

        public init(maximumAttempts: Int = 5, firstDelayMilliseconds: Int64 = 1_000, maximumDelayMilliseconds: Int64 = 60_000) {
            self.maximumAttempts = max(maximumAttempts, 1)
            self.firstDelayMilliseconds = firstDelayMilliseconds
            self.maximumDelayMilliseconds = maximumDelayMilliseconds
        }
    }

    public static func deliver<Request: HTTPRequestSource, Transport: HTTPTransport, Clock: AgentClock>(
        _ request: Request,
        to hub: Endpoint,
        transport: inout Transport,
        clock: Clock,
        policy: Policy = Policy(),
        log: (String) -> Void
    ) throws(DeliveryError<Transport.Failure>) {
        var delay = policy.firstDelayMilliseconds
        var attempt = 1
        while true {
            let problem: String
            var wait = delay
            let sent: Result<HTTPResponse, Transport.Failure>
            do {
                sent = .success(try transport.send(host: hub.host, port: hub.port, request))
            } catch {
                sent = .failure(error)
            }
            switch sent {
            case .failure(let failure):
                guard Transport.isTransient(failure) else { throw .transport(failure) }
                problem = failure.description
            case .success(let response):
                switch TelemetryOutcome.classify(response, wallClockSeconds: clock.wallClockSeconds) {
                case .delivered:
                    return
                case .retryLater(let retryAfter):
                    problem = "the hub answered HTTP \(response.status)"
                    if let retryAfter { wait = min(Int64(min(retryAfter, 3_600)) * 1000, policy.maximumDelayMilliseconds) }
                case .identityRejected(let failure):
                    throw .identityRejected(failure)
                case .refused(let failure):
                    throw .refused(failure)
                }
            }
            guard attempt < policy.maximumAttempts else { throw .gaveUp(attempts: attempt, lastProblem: problem) }
            log("\(problem); sending again in \(wait) ms")
            clock.sleep(milliseconds: wait)
            attempt += 1
            delay = min(delay * 2, policy.maximumDelayMilliseconds)
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
