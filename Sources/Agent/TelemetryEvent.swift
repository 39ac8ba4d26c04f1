import AzureIoT
import Sensors

/// What happened on the device's way from the sensor to the hub, as data: the runtime renders
/// it (log lines, the status LED, systemd's status line, the delivery counters).
public enum TelemetryEvent: Equatable {
    /// A reading was taken and queued (in the spool, when there is one), before any send.
    case queued(Reading)
    /// The hub accepted the `readings` oldest queued readings; they are
    /// ``TelemetryStateMachine/deliveredReadings`` until the machine's next input.
    case delivered(readings: Int, hub: Endpoint, batched: Bool)
    /// A retriable problem; the same readings go again after the delay.
    case retrying(AttemptFailure, afterMilliseconds: Int64, pending: Int)
    /// The retry policy's attempts are used up; the readings stay queued for the next round.
    case keptForLater(AttemptFailure, pending: Int, retryInMilliseconds: Int64)
    /// The hub refused a whole batch as malformed; its readings go one by one so that only a bad
    /// one is dropped.
    case batchRefused(ServiceFailure, readings: Int)
    /// The hub will never accept this reading; it alone is dropped.
    case dropped(Reading, ServiceFailure)
    /// The wall clock is not set (it reads before 2024), so readings are stamped from the
    /// monotonic clock until it is; said once per stretch.
    case clockUnset(wallClockMilliseconds: Int64)
    /// The wall clock is set now; the queued readings stamped before it have their times.
    case clockSet(wallClockMilliseconds: Int64, restampedReadings: Int)
    /// The sensor gave no reading at this slot; sampling carries on at the next.
    case sensorFailed(SensorError)
    /// The queue was full: the oldest reading gave way to a new one.
    case displaced(Reading)
    /// The saved assignment is valid for this device: no DPS registration at start.
    case usingSavedAssignment(SavedAssignment)
    /// DPS assigned the device (`again`: after the hub stopped accepting it, or after a reload).
    case provisioned(SavedAssignment, requests: Int, again: Bool)
    /// One DPS request failed on the way (refused connection, timeout); provisioning retries it.
    case provisioningRequestFailed(problem: String)
    /// The hub no longer accepts this identity (deleted, disabled, moved).
    case identityRejected(ServiceFailure)
    /// Re-provisioning waits, to keep DPS from being asked more than once per interval.
    case reprovisioningDeferred(forMilliseconds: Int64)
    /// DPS did not assign the device (`again`: a registration after the first); the readings
    /// stay queued and it is tried again later, at the hub the device had when there is one.
    case provisioningFailed(ProvisioningFailure, again: Bool, retryInMilliseconds: Int64)
    /// The hub stayed unreachable for `failedAttempts` attempts in a row: DPS is asked once
    /// whether the device belongs to another hub now (the current one is kept if not).
    case hubUnreachable(failedAttempts: Int)
    /// The hub refused this reading; the next one goes first, to tell a bad reading (dropped once
    /// another is accepted) from a refusal every message gets (a configuration problem).
    case refusalUnderTest(Reading, ServiceFailure)
    /// Two different readings got the same refusal: the configuration, not a reading, is at
    /// fault (a wrong api-version, say). Nothing is dropped; the backlog waits and is tried
    /// again after the delay.
    case refusedAlike(ServiceFailure, pending: Int, retryInMilliseconds: Int64)
    /// New settings apply; `keptAssignment` is the saved assignment still in use, nil when the
    /// next send registers with DPS first.
    case reloaded(keptAssignment: SavedAssignment?)
}

/// One attempt at the hub that did not deliver.
public enum AttemptFailure: Equatable, Sendable, CustomStringConvertible {
    /// The hub answered, but not 2xx.
    case refused(ServiceFailure)
    /// No answer: the transport's own one-line account (refused, reset, timed out).
    case connection(String)

    public var description: String {
        switch self {
        case .refused(let failure): return "the hub answered \(failure)"
        case .connection(let problem): return problem
        }
    }
}

/// Why DPS did not assign the device.
public enum ProvisioningFailure: Error, Equatable, Sendable, CustomStringConvertible {
    case refused(ProvisioningError)
    /// The registration's time bound passed; `lastConnectionProblem` when the last request got
    /// no answer at all (the service is unreachable rather than slow).
    case timedOut(afterMilliseconds: Int64, lastConnectionProblem: String?)
    /// A request failed in a way a retry at once would not cure (an untrusted server, say).
    case unreachable(String)

    public var description: String {
        switch self {
        case .refused(let error):
            return error.description
        case .unreachable(let problem):
            return problem
        case .timedOut(let milliseconds, let problem?):
            return "could not register with DPS within \(milliseconds / 1000) s: \(problem)"
        case .timedOut(let milliseconds, nil):
            return
                "DPS did not assign the device within \(milliseconds / 1000) s; check the enrollment in DPS, or raise --provisioning-timeout"
        }
    }
}

/// How a run of the telemetry state machine ended.
public enum TelemetryOutcome: Equatable, Sendable {
    /// Every reading taken was accepted or refused for good.
    case allDelivered
    /// A bounded run ended with readings the hub did not take in the last round of attempts.
    case undelivered(pending: Int)
    /// A termination signal; `pending` readings were not delivered (they stay in the spool).
    case stopped(pending: Int)
    /// A bounded run's first registration with DPS failed.
    case provisioningFailed(ProvisioningFailure, pending: Int)
    /// A bounded run's transport failed in a way a retry at once does not fix (an untrusted
    /// server, say); the driver holds the failure itself. A run without a count outlives both.
    case transportFailed(pending: Int)
}
