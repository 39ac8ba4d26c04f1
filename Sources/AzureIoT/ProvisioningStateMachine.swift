import HTTP1

/// Registers a device with DPS and polls until it is assigned, without doing any I/O.
///
/// The driver executes each returned `Action` (send a request, sleep) and reports what happened
/// through the event-named inputs. Transient trouble (429, 5xx, a failed connection) repeats the
/// same step after the retry policy's jittered delay, keeping the operation ID while polling
/// (protocol-facts.md §0.2); the random source is injected so a test can pin the schedule. A
/// registration DPS throttled (429 to the register request) waits its `Retry-After` plus up to as
/// long again at random: that limit is the instance's, so a whole fleet hears the same time.
public struct ProvisioningStateMachine<Random: RandomSource> {
    public enum Action: Equatable {
        case send(ServiceRequest)
        case sleep(milliseconds: Int64)
        case assigned(Assignment)
        case fail(ProvisioningError)
    }

    private enum State: Equatable {
        /// Valid transitions: registering.
        case idle
        /// Valid transitions: waitingToPoll, waitingToRegister, assigned, failed.
        case registering
        /// Valid transitions: registering.
        case waitingToRegister
        /// Valid transitions: waitingToPoll, assigned, failed.
        case polling(operationID: String)
        /// Valid transitions: polling.
        case waitingToPoll(operationID: String)
        /// Terminal.
        case assigned(Assignment)
        /// Terminal.
        case failed(ProvisioningError)
    }

    public let settings: ProvisioningSettings
    private var state: State = .idle
    private var transientFailures = 0
    private var random: Random

    public init(settings: ProvisioningSettings, random: Random) {
        self.settings = settings
        self.random = random
    }

    /// How many polls or retries went into this registration, for the log.
    public private(set) var requestsSent = 0

    public mutating func start() -> Action {
        guard case .idle = state else { return unexpected("start") }
        return sendRegister()
    }

    public mutating func responseReceived(_ response: HTTPResponse) -> Action {
        let operationInFlight: String?
        switch state {
        case .registering: operationInFlight = nil
        case .polling(let operationID): operationInFlight = operationID
        default: return unexpected("response")
        }
        let interpreted: ProvisioningResponse
        do {
            interpreted = try ProvisioningResponse.interpret(response)
        } catch {
            return finish(.failed(.malformedResponse(error)))
        }
        switch interpreted {
        case .assigning(let operationID, let retryAfter):
            transientFailures = 0
            state = .waitingToPoll(operationID: operationID)
            return .sleep(milliseconds: pollDelay(retryAfterSeconds: retryAfter))
        case .assigned(let assignment):
            return finish(.assigned(assignment))
        case .failed(let failure):
            return finish(.failed(.rejected(failure)))
        case .disabled:
            return finish(.failed(.enrollmentDisabled))
        case .transient(let status, let retryAfter):
            return transientFailure(
                "HTTP \(status)",
                retryAfterSeconds: retryAfter,
                afterServerError: status >= 500,
                registrationThrottled: status == 429 && operationInFlight == nil,
                operationID: operationInFlight
            )
        }
    }

    /// The request could not be completed (connection refused, reset, timed out).
    public mutating func requestFailed(_ reason: String) -> Action {
        switch state {
        case .registering: return transientFailure(reason, retryAfterSeconds: nil, operationID: nil)
        case .polling(let operationID): return transientFailure(reason, retryAfterSeconds: nil, operationID: operationID)
        default: return unexpected("request failure")
        }
    }

    public mutating func timerFired() -> Action {
        switch state {
        case .waitingToRegister:
            return sendRegister()
        case .waitingToPoll(let operationID):
            state = .polling(operationID: operationID)
            requestsSent += 1
            return .send(ProvisioningRequests.operationStatus(settings, operationID: operationID))
        default:
            return unexpected("timer")
        }
    }

    private mutating func sendRegister() -> Action {
        state = .registering
        requestsSent += 1
        return .send(ProvisioningRequests.register(settings))
    }

    private mutating func transientFailure(
        _ reason: String,
        retryAfterSeconds: Int?,
        afterServerError: Bool = false,
        registrationThrottled: Bool = false,
        operationID: String?
    ) -> Action {
        transientFailures += 1
        guard
            let delay = settings.retryPolicy.backoffDelay(
                attempt: transientFailures,
                retryAfterSeconds: retryAfterSeconds,
                afterServerError: afterServerError,
                random: &random
            )
        else {
            return finish(.failed(.gaveUp(attempts: transientFailures, lastProblem: reason)))
        }
        if let operationID {
            state = .waitingToPoll(operationID: operationID)
        } else {
            state = .waitingToRegister
        }
        guard registrationThrottled, retryAfterSeconds != nil else { return .sleep(milliseconds: delay) }
        // DPS limits registrations per instance, not per device (docs/azure-facts.md §7): every
        // device it refused in the same second is told the same Retry-After, and a fleet that
        // obeys it to the millisecond comes back as one, to be refused again but for the few
        // the freed slots admit. Never sooner than asked, but spread over as long again.
        return .sleep(milliseconds: delay + random.uniform(in: 0...delay))
    }

    private func pollDelay(retryAfterSeconds: Int?) -> Int64 {
        guard let retryAfterSeconds else { return settings.defaultPollIntervalMilliseconds }
        let requested = Int64(min(retryAfterSeconds, 86_400)) * 1000
        return min(max(requested, settings.minimumPollIntervalMilliseconds), settings.maximumPollIntervalMilliseconds)
    }

    private mutating func finish(_ terminal: State) -> Action {
        state = terminal
        switch terminal {
        case .assigned(let assignment): return .assigned(assignment)
        case .failed(let error): return .fail(error)
        default: return .fail(.unexpectedEvent("finish"))
        }
    }

    private func unexpected(_ event: String) -> Action {
        if case .assigned(let assignment) = state { return .assigned(assignment) }
        if case .failed(let error) = state { return .fail(error) }
        return .fail(.unexpectedEvent(event))
    }
}

public enum ProvisioningError: Error, Equatable, CustomStringConvertible {
    case rejected(ServiceFailure)
    case enrollmentDisabled
    case gaveUp(attempts: Int, lastProblem: String)
    case malformedResponse(ProvisioningResponseError)
    case unexpectedEvent(String)

    public var description: String {
        switch self {
        case .rejected(let failure):
            return "DPS refused the registration (\(failure))" + Self.advice(for: failure)
        case .enrollmentDisabled:
            return "DPS says this device's enrollment is disabled; enable it in the DPS enrollment list"
        case .gaveUp(let attempts, let lastProblem):
            return "DPS did not complete the registration after \(attempts) attempts (last: \(lastProblem)); check the network and the DPS endpoint"
        case .malformedResponse(let error):
            return error.description
        case .unexpectedEvent(let event):
            return "provisioning received an unexpected \(event) (a bug in Kelvin)"
        }
    }

    private static func advice(for failure: ServiceFailure) -> String {
        switch failure.errorCode {
        case 401002?, 401000?:
            return "; check that the certificate is enrolled in this DPS instance and its CN is the registration ID"
        case 400004?:
            return "; the registration ID (certificate CN) is not valid for DPS: use lower-case letters, digits and - . _ :"
        case 404201?, 404202?:
            return "; check the ID scope and that an enrollment exists for this registration ID"
        default:
            return failure.httpStatus == 404 ? "; check the ID scope" : ""
        }
    }
}
