import AzureIoT
import HTTP1

/// Gets queued readings to the hub: one message when one is pending, batches (oldest first)
/// for a backlog, the retry policy's waits after trouble, and a new DPS registration when the
/// hub stops accepting the device — never more than once per re-provisioning interval.
///
/// Nothing here sleeps: `service` makes at most one attempt when one is due and says, through
/// `nextAttemptAt`, when the next is, so the caller can keep sampling on schedule meanwhile.
public struct TelemetryUplink<Store: AssignmentStore, Random: RandomSource> {
    public struct Settings: Sendable {
        public var retryPolicy: RetryPolicy
        /// DPS is asked again at most this often when the hub keeps rejecting the device.
        public var reprovisionIntervalMilliseconds: Int64
        /// After the retry policy gives up, the backlog waits this long before the next round.
        public var pauseAfterGivingUpMilliseconds: Int64
        public var hubAPIVersion: APIVersion
        public var applicationProperties: [ApplicationProperty]
        /// Message IDs are `<prefix>-<sequence>`: unique to this device and run.
        public var messageIDPrefix: String
        public var maximumBatchBodyBytes: Int

        public init(
            messageIDPrefix: String,
            retryPolicy: RetryPolicy = .telemetry,
            reprovisionIntervalMilliseconds: Int64 = 300_000,
            pauseAfterGivingUpMilliseconds: Int64 = 60_000,
            hubAPIVersion: APIVersion = TelemetryChannel.defaultAPIVersion,
            applicationProperties: [ApplicationProperty] = [],
            maximumBatchBodyBytes: Int = TelemetryChannel.maximumBatchBodyBytes
        ) {
            self.messageIDPrefix = messageIDPrefix
            self.retryPolicy = retryPolicy
            self.reprovisionIntervalMilliseconds = max(reprovisionIntervalMilliseconds, 0)
            self.pauseAfterGivingUpMilliseconds = max(pauseAfterGivingUpMilliseconds, 0)
            self.hubAPIVersion = hubAPIVersion
            self.applicationProperties = applicationProperties
            self.maximumBatchBodyBytes = maximumBatchBodyBytes
        }
    }

    public var keeper: AssignmentKeeper<Store>
    public let settings: Settings
    private var random: Random
    public private(set) var assignment: SavedAssignment?
    private var channel: TelemetryChannel?
    /// Monotonic time of the last DPS registration, for the re-provisioning interval.
    private var lastProvisionedAt: Int64?
    private var failedAttempts = 0
    /// After a batch is refused as a whole, this many readings go one at a time.
    private var singlesBeforeBatching = 0
    /// Monotonic time before which `service` does nothing.
    public private(set) var nextAttemptAt: Int64 = 0
    /// True from a round that ended without delivery (attempts used up, re-provisioning failed or
    /// deferred) until the next delivery: a bounded run stops waiting then.
    public private(set) var isStalled = false

    public init(keeper: AssignmentKeeper<Store>, settings: Settings, random: Random) {
        self.keeper = keeper
        self.settings = settings
        self.random = random
    }

    /// Makes sure there is an assignment: the saved one while it is valid, DPS's otherwise.
    /// - Parameter force: ask DPS even when the saved assignment is valid.
    /// - Returns: the assignment, and how many DPS requests it took (0 when it was saved).
    public mutating func connect<Transport: HTTPTransport, Clock: AgentClock>(
        force: Bool,
        transport: inout Transport,
        clock: Clock,
        log: (String) -> Void
    ) throws(ProvisioningRunError<Transport.Failure>) -> (SavedAssignment, requests: Int) {
        if !force, let saved = keeper.savedAssignment(log: log) {
            adopt(saved)
            return (saved, 0)
        }
        let (saved, requests) = try keeper.provision(transport: &transport, clock: clock, random: &random, log: log)
        lastProvisionedAt = clock.nowMilliseconds
        adopt(saved)
        return (saved, requests)
    }

    /// Takes the saved assignment while it is valid, without asking DPS. With none, the first
    /// ``service(_:transport:clock:report:)`` provisions under the retry rules, so that a
    /// reload (new identity files, another ID scope) never blocks the loop on DPS.
    public mutating func adoptSavedAssignment(log: (String) -> Void) -> SavedAssignment? {
        guard let saved = keeper.savedAssignment(log: log) else { return nil }
        adopt(saved)
        return saved
    }

    /// Makes one delivery attempt for the oldest queued readings if one is due.
    ///
    /// - Throws: the transport's failure when it is not transient (an untrusted server, say):
    ///   a person has to fix that, and retrying cannot.
    public mutating func service<Transport: HTTPTransport, Clock: AgentClock>(
        _ outbox: inout Outbox,
        transport: inout Transport,
        clock: Clock,
        report: (UplinkEvent) -> Void
    ) throws(Transport.Failure) {
        guard !outbox.isEmpty, clock.nowMilliseconds >= nextAttemptAt else { return }
        guard let channel else {
            try reprovision(transport: &transport, clock: clock, report: report)
            return
        }
        let single = outbox.count == 1 || singlesBeforeBatching > 0
        let sent: Result<HTTPResponse, Transport.Failure>
        let count: Int
        do {
            if single {
                count = 1
                sent = .success(try transport.send(host: channel.hub.host, port: channel.hub.port, channel.message(outbox.pending[outbox.pending.startIndex])))
            } else {
                let batch = channel.batch(outbox.pending, maximumBodyBytes: settings.maximumBatchBodyBytes)
                count = batch.count
                sent = .success(try transport.send(host: channel.hub.host, port: channel.hub.port, batch))
            }
        } catch {
            guard Transport.isTransient(error) else { throw error }
            sent = .failure(error)
        }
        let failed: FailedAttempt
        switch sent {
        case .failure(let error):
            failed = FailedAttempt(connectionProblem: error.description)
        case .success(let response):
            guard let refused = FailedAttempt(response: response, wallClockSeconds: clock.wallClockSeconds) else {
                report(.delivered(outbox.pending.prefix(count), hub: channel.hub, batched: !single))
                outbox.removeOldest(count)
                if singlesBeforeBatching > 0 { singlesBeforeBatching -= 1 }
                failedAttempts = 0
                isStalled = false
                return
            }
            failed = refused
        }
        let problem = failed.problem
        let decision = settings.retryPolicy.decide(attempt: failedAttempts + 1, after: failed.trouble, retryAfterSeconds: failed.retryAfterSeconds, random: &random)
        let now = clock.nowMilliseconds
        switch decision {
        case .retry(let delay):
            failedAttempts += 1
            nextAttemptAt = now + delay
            report(.retrying(problem: problem, afterMilliseconds: delay, pending: outbox.count))
        case .giveUp:
            failedAttempts = 0
            isStalled = true
            nextAttemptAt = now + settings.pauseAfterGivingUpMilliseconds
            report(.keptForLater(problem: problem, pending: outbox.count, retryInMilliseconds: settings.pauseAfterGivingUpMilliseconds))
        case .dropMessage:
            let refusal = failed.failure
            failedAttempts = 0
            if single {
                report(.dropped(outbox.pending[outbox.pending.startIndex], refusal))
                outbox.removeOldest(1)
                if singlesBeforeBatching > 0 { singlesBeforeBatching -= 1 }
            } else {
                singlesBeforeBatching = count
                report(.batchRefused(refusal, readings: count))
            }
        case .reprovision:
            failedAttempts = 0
            self.channel = nil
            report(.identityRejected(failed.failure))
            try reprovision(transport: &transport, clock: clock, report: report)
        }
    }

    private mutating func reprovision<Transport: HTTPTransport, Clock: AgentClock>(
        transport: inout Transport,
        clock: Clock,
        report: (UplinkEvent) -> Void
    ) throws(Transport.Failure) {
        let now = clock.nowMilliseconds
        if let last = lastProvisionedAt, now - last < settings.reprovisionIntervalMilliseconds {
            nextAttemptAt = last + settings.reprovisionIntervalMilliseconds
            isStalled = true
            report(.reprovisioningDeferred(forMilliseconds: nextAttemptAt - now))
            return
        }
        do {
            let (saved, requests) = try keeper.provision(transport: &transport, clock: clock, random: &random) { report(.note($0)) }
            lastProvisionedAt = clock.nowMilliseconds
            adopt(saved)
            nextAttemptAt = clock.nowMilliseconds
            isStalled = false
            report(.reprovisioned(saved, requests: requests))
        } catch {
            lastProvisionedAt = clock.nowMilliseconds
            if case .transport(let failure) = error, !Transport.isTransient(failure) { throw failure }
            isStalled = true
            nextAttemptAt = clock.nowMilliseconds + settings.reprovisionIntervalMilliseconds
            report(.reprovisioningFailed(problem: error.description, retryInMilliseconds: settings.reprovisionIntervalMilliseconds))
        }
    }

    private mutating func adopt(_ saved: SavedAssignment) {
        assignment = saved
        channel = TelemetryChannel(
            assignment: saved.assignment,
            messageIDPrefix: settings.messageIDPrefix,
            apiVersion: settings.hubAPIVersion,
            applicationProperties: settings.applicationProperties
        )
    }
}
