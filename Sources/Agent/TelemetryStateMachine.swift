import AzureIoT
import HTTP1
import Sensors
import Wire

/// The device's telemetry as one state machine without I/O: the sampling schedule, the queue of
/// readings, delivery to the hub with the retry policy, and provisioning and re-provisioning
/// through DPS — so that sampling starts at once and never waits on the network. Readings taken
/// before the first assignment are queued (and spooled) and delivered once DPS answers.
///
/// Driving it, in the manner of sans-I/O protocol libraries (QUIC's and HTTP/2's "poll for
/// transmit"): report what happened through the inputs named for past events, then call
/// ``nextAction(nowMilliseconds:wallClockMilliseconds:)`` and carry out each action until it
/// returns `.wait`; then wait for the deadline or for an outside event (a response, a signal,
/// an alert edge) and start again. One request is in flight at a time, and a reading that
/// falls due while it is (or while DPS is being polled) is asked for all the same.
///
/// Transitions of the uplink (the sampling schedule runs beside it in every state):
///
/// | state | input | next state, actions |
/// | --- | --- | --- |
/// | start | saved assignment valid | ready; report `usingSavedAssignment` |
/// | start | none | provisioning (first); `send` register |
/// | provisioning | response / request failed | as ``ProvisioningStateMachine`` says: `send` the next request, or wait its delay |
/// | provisioning | assigned | ready; `save`, report `provisioned` |
/// | provisioning (first) | refused, timed out | stopped; `stop(.provisioningFailed)` |
/// | provisioning (again) | refused, timed out | unassigned; report `reprovisioningFailed`, retry after the interval |
/// | ready | readings queued, attempt due | sending; `send` a message, or a batch of the oldest |
/// | sending | 2xx | ready; report `delivered`, the readings leave the queue |
/// | sending | 429/5xx/timeout/closed | ready; report `retrying` (wait the backoff), or `keptForLater` once the attempts are used up |
/// | sending | 400/413/other 4xx | ready; one message: report `dropped`; a batch: `batchRefused`, then one by one |
/// | sending | 401/403/404 | unassigned; report `identityRejected` |
/// | unassigned | readings queued | provisioning (again), or report `reprovisioningDeferred` within the interval |
/// | any | transport failure no retry fixes | stopped; `stop(.transportFailed)` |
/// | any | termination | stopped; `stop(.stopped)` (the driver cancels a request in flight) |
/// | any | reload | ready (saved assignment adopted) or unassigned; report `reloaded` |
/// | ready, unassigned | sampling done (bounded run), queue empty or stalled | stopped; `stop(.allDelivered)` / `stop(.undelivered)` |
public struct TelemetryStateMachine<Random: RandomSource> {
    public struct Settings: Sendable {
        /// Sampling slots to run, then stop once their readings are settled (a slot whose read
        /// failed counts, so a dead sensor cannot keep a bounded run going); 0 runs until stopped.
        public var count: Int
        public var intervalMilliseconds: Int64
        public var retryPolicy: RetryPolicy
        /// DPS is asked again at most this often when the hub keeps rejecting the device.
        public var reprovisionIntervalMilliseconds: Int64
        /// After the retry policy gives up, the backlog waits this long before the next round.
        public var pauseAfterGivingUpMilliseconds: Int64
        public var hubAPIVersion: APIVersion
        public var applicationProperties: [ApplicationProperty]
        public var maximumBatchBodyBytes: Int
        /// How to register; nil for a fixed hub (`kelvin send`), which never asks DPS.
        public var provisioning: ProvisioningSettings?
        /// What a saved assignment must have been made for; written into new ones.
        public var assignmentKey: AssignmentKey?
        /// The bound on one whole DPS registration, polls and retries included.
        public var provisioningTimeoutMilliseconds: Int64
        /// Take a reading only once the one before has left the queue, one interval (0: none)
        /// after the slot before: `kelvin send`'s one request per reading, back to back.
        public var pacedByDelivery: Bool

        public init(
            count: Int,
            intervalMilliseconds: Int64,
            provisioning: ProvisioningSettings?,
            assignmentKey: AssignmentKey?,
            provisioningTimeoutMilliseconds: Int64 = 120_000,
            retryPolicy: RetryPolicy = .telemetry,
            reprovisionIntervalMilliseconds: Int64 = 300_000,
            pauseAfterGivingUpMilliseconds: Int64 = 60_000,
            hubAPIVersion: APIVersion = TelemetryChannel.defaultAPIVersion,
            applicationProperties: [ApplicationProperty] = [],
            maximumBatchBodyBytes: Int = TelemetryChannel.maximumBatchBodyBytes,
            pacedByDelivery: Bool = false
        ) {
            self.count = max(count, 0)
            self.pacedByDelivery = pacedByDelivery
            self.intervalMilliseconds = max(intervalMilliseconds, pacedByDelivery ? 0 : 1)
            self.provisioning = provisioning
            self.assignmentKey = assignmentKey
            self.provisioningTimeoutMilliseconds = max(provisioningTimeoutMilliseconds, 1)
            self.retryPolicy = retryPolicy
            self.reprovisionIntervalMilliseconds = max(reprovisionIntervalMilliseconds, 0)
            self.pauseAfterGivingUpMilliseconds = max(pauseAfterGivingUpMilliseconds, 0)
            self.hubAPIVersion = hubAPIVersion
            self.applicationProperties = applicationProperties
            self.maximumBatchBodyBytes = maximumBatchBodyBytes
        }
    }

    public enum Action {
        /// Read the sensor now and report ``readingTaken(_:)`` or ``readingFailed(_:)``.
        /// `takenAtMilliseconds` is the reading's stamp (see ``ReadingTime``).
        case takeReading(sequence: Int, takenAtMilliseconds: Int64)
        /// Start this request; report ``responseReceived(_:nowMilliseconds:wallClockMilliseconds:)``
        /// or ``requestFailed(_:transient:nowMilliseconds:)``. The request holds a view of the
        /// queue: encode it before the next call into the machine.
        case send(TelemetryRequest)
        /// Keep this assignment for the next start.
        case save(SavedAssignment)
        case report(TelemetryEvent)
        /// Nothing to do before this monotonic time (nil: until an outside event).
        case wait(untilMilliseconds: Int64?)
        /// The run is over; every later call says the same.
        case stop(TelemetryOutcome)
    }

    private enum Uplink {
        /// Valid transitions: sending, unassigned (reload), stopped.
        case ready(TelemetryChannel)
        /// Valid transitions: ready, unassigned, stopped. `readings`: the oldest queued readings
        /// the request carries (fewer if some gave way to newer ones meanwhile).
        case sending(TelemetryChannel, readings: Int, single: Bool)
        /// Valid transitions: provisioning, ready (reload), stopped.
        case unassigned
        /// Valid transitions: ready, unassigned, stopped.
        case provisioning(ProvisioningRun)
        /// Terminal.
        case stopped(TelemetryOutcome)
    }

    /// One DPS registration in progress.
    private struct ProvisioningRun {
        var machine: ProvisioningStateMachine<SplitMix64>
        let deadline: Int64
        /// When the sub-machine's wait ends; nil while a request is in flight.
        var nextStepAt: Int64?
        let isFirst: Bool
        var lastConnectionProblem: String?
    }

    public private(set) var settings: Settings
    /// Readings taken and not yet accepted (or refused for good), oldest first.
    public private(set) var outbox: Outbox
    /// The assignment in use, nil before the first.
    public private(set) var assignment: SavedAssignment?
    /// Message IDs are `<prefix>-<sequence>`: unique to this device and run.
    public let messageIDPrefix: String
    private var uplink: Uplink = .unassigned
    private var started = false
    private let savedAtStart: SavedAssignment?
    private var random: Random
    private var queued: [Action] = []

    // Sampling.
    private var taken = 0
    private var nextSequence: Int
    /// The monotonic time the next reading is due; nil: at once.
    private var nextReadingAt: Int64?
    private var readingInProgress = false
    /// Readings queued with a monotonic stamp, to be given their times once the clock is set.
    private var awaitingClock = 0
    private var saidClockUnset = false

    // Delivery.
    private var failedAttempts = 0
    /// After a batch is refused as a whole, this many readings go one at a time.
    private var singlesBeforeBatching = 0
    private var nextAttemptAt: Int64 = .min
    /// True from a round that ended without delivery until the next delivery: a bounded run
    /// stops waiting then.
    private var isStalled = false
    /// A round ended without delivery in this turn (since the last `.wait`).
    private var roundJustFailed = false
    private var lastProvisionedAt: Int64?
    /// Delivered readings leave the queue at the next input, once the report naming them is out.
    private var deliveredCount = 0

    /// - Parameters:
    ///   - saved: the saved assignment when it is valid for this device (checked by the caller
    ///     against ``Settings/assignmentKey``); nil registers with DPS at once.
    ///   - outbox: the queue, holding what an earlier run left in the spool.
    ///   - firstSequence: the first new reading's number, past every number the spool used.
    public init(
        settings: Settings,
        saved: SavedAssignment?,
        outbox: Outbox,
        messageIDPrefix: String,
        firstSequence: Int = 1,
        random: Random
    ) {
        self.settings = settings
        self.outbox = outbox
        self.messageIDPrefix = messageIDPrefix
        savedAtStart = saved
        nextSequence = firstSequence
        self.random = random
        queued.reserveCapacity(8)
    }

    /// The readings a `.delivered` report names, oldest first; valid until the next input.
    public var deliveredReadings: ArraySlice<Reading> { outbox.pending.prefix(deliveredCount) }

    /// Sampling slots run so far.
    public var slotsTaken: Int { taken }
    /// The next reading's number.
    public var upcomingSequence: Int { nextSequence }
    /// Whether a request is in flight, so a driver knows there is an exchange to cancel.
    public var isAwaitingResponse: Bool {
        switch uplink {
        case .sending: return true
        case .provisioning(let run): return run.nextStepAt == nil
        default: return false
        }
    }

    // MARK: - Inputs

    /// The sensor was read for the last `.takeReading` (nil: the source left this slot out).
    public mutating func readingTaken(_ reading: Reading?) {
        settle()
        guard readingInProgress else { return }
        readingInProgress = false
        guard let reading else { return }
        nextSequence = max(nextSequence, reading.sequence + 1)
        if ReadingTime.isMonotonic(reading.takenAtMilliseconds) { awaitingClock += 1 }
        let before = outbox.overflowed
        let displaced = outbox.append(reading)
        let gaveWay = outbox.overflowed - before
        if gaveWay > 0, case .sending(let channel, let readings, let single) = uplink {
            uplink = .sending(channel, readings: max(0, readings - gaveWay), single: single)
        }
        queued.append(.report(.queued(reading)))
        if let displaced { queued.append(.report(.displaced(displaced))) }
    }

    /// Carries out `.takeReading` with `source` and reports what it gave.
    public mutating func takeReading<Source: ReadingSource>(
        sequence: Int, takenAtMilliseconds stamp: Int64, from source: inout Source
    ) {
        do {
            readingTaken(try source.read(sequence: sequence, takenAtMilliseconds: stamp))
        } catch {
            readingFailed(error)
        }
    }

    /// The sensor failed for the last `.takeReading`; sampling carries on at the next slot.
    public mutating func readingFailed(_ error: SensorError) {
        settle()
        guard readingInProgress else { return }
        readingInProgress = false
        queued.append(.report(.sensorFailed(error)))
    }

    /// The request in flight was answered.
    public mutating func responseReceived(
        _ response: HTTPResponse, nowMilliseconds now: Int64, wallClockMilliseconds wallClock: Int64
    ) {
        settle()
        switch uplink {
        case .sending(let channel, let readings, let single):
            hubAnswered(response, channel: channel, readings: readings, single: single, now: now, wallClock: wallClock)
        case .provisioning(var run) where run.nextStepAt == nil:
            // An answer, even a throttling one, means the service is reachable.
            run.lastConnectionProblem = nil
            let action = run.machine.responseReceived(response)
            follow(action, of: run, now: now, wallClock: wallClock)
        default:
            break
        }
    }

    /// The request in flight got no answer. `transient`: trying again later may succeed (a
    /// refused, dropped or timed-out connection); otherwise a person has to fix something and
    /// the run stops.
    public mutating func requestFailed(_ problem: String, transient: Bool, nowMilliseconds now: Int64) {
        settle()
        switch uplink {
        case .sending(let channel, _, _), .ready(let channel):
            guard transient else { return stop(.transportFailed(pending: outbox.count)) }
            uplink = .ready(channel)
            failed(.connection(problem), trouble: .connectionFailed, retryAfterSeconds: nil, now: now)
        case .provisioning(var run) where run.nextStepAt == nil:
            guard transient else { return stop(.transportFailed(pending: outbox.count)) }
            run.lastConnectionProblem = problem
            queued.append(.report(.provisioningRequestFailed(problem: problem)))
            let action = run.machine.requestFailed(problem)
            follow(action, of: run, now: now, wallClock: 0)
        default:
            break
        }
    }

    /// The sensor's alert output fired: the next reading is taken at once, without moving the
    /// schedule after it.
    public mutating func alertRaised() {
        settle()
        guard !samplingDone, !readingInProgress else { return }
        nextReadingAt = nil
    }

    /// A termination signal: the run ends with what is pending (the driver cancels a request
    /// in flight; its readings stay queued).
    public mutating func terminationRequested() {
        settle()
        stop(.stopped(pending: outbox.count))
    }

    /// New settings after a reload. The driver cancels a request in flight first; its readings
    /// stay queued. `saved`: the saved assignment when it is valid for the new settings; nil
    /// registers with DPS at the next send (under the retry rules, never blocking sampling).
    public mutating func reloaded(
        _ settings: Settings, saved: SavedAssignment?, nowMilliseconds now: Int64,
        wallClockMilliseconds wallClock: Int64
    ) {
        settle()
        if case .stopped = uplink { return }
        let interval = self.settings.intervalMilliseconds
        self.settings = settings
        started = true
        failedAttempts = 0
        nextAttemptAt = now
        if let saved {
            adopt(saved)
        } else {
            assignment = nil
            uplink = .unassigned
        }
        if settings.intervalMilliseconds != interval, !samplingDone, !readingInProgress {
            let next = ReadingSchedule.next(
                dueAt: now, startedAt: now, wallClockMilliseconds: wallClock,
                intervalMilliseconds: settings.intervalMilliseconds
            )
            nextReadingAt = min(nextReadingAt ?? next, next)
        }
        queued.append(.report(.reloaded(keptAssignment: saved)))
    }

    // MARK: - Actions

    /// The next thing to do; `.wait` when there is nothing until a deadline or an outside event.
    public mutating func nextAction(nowMilliseconds now: Int64, wallClockMilliseconds wallClock: Int64) -> Action {
        settle()
        if !queued.isEmpty { return take(queued.removeFirst()) }
        if case .stopped(let outcome) = uplink { return .stop(outcome) }
        if !started {
            started = true
            if let saved = savedAtStart {
                adopt(saved)
                return .report(.usingSavedAssignment(saved))
            }
            if settings.provisioning.isPresent { startProvisioning(first: true, now: now) }
            if !queued.isEmpty { return take(queued.removeFirst()) }
        }
        if let action = giveTimes(now: now, wallClock: wallClock) { return action }
        if slotOpen, now >= nextReadingAt ?? .min {
            return takeReading(now: now, wallClock: wallClock)
        }
        // A bounded run whose sampling is done ends once its readings are settled, or once a
        // round of attempts failed to settle them: it does not start the next round.
        let settling = samplingDone && !readingInProgress && !isAwaitingResponse
        if settling, roundJustFailed { return finish(.undelivered(pending: outbox.count)) }
        if let action = uplinkAction(now: now, wallClock: wallClock) { return action }
        if case .stopped(let outcome) = uplink { return .stop(outcome) }
        if settling {
            if outbox.isEmpty, !isProvisioningFirst { return finish(.allDelivered) }
            if isStalled { return finish(.undelivered(pending: outbox.count)) }
        }
        roundJustFailed = false
        return .wait(untilMilliseconds: wakeTime)
    }

    // MARK: - Sampling

    private var samplingDone: Bool { settings.count > 0 && taken >= settings.count }

    /// Whether a reading may be taken once its time comes.
    private var slotOpen: Bool {
        !samplingDone && !readingInProgress && !(settings.pacedByDelivery && !outbox.isEmpty)
    }

    private mutating func takeReading(now: Int64, wallClock: Int64) -> Action {
        taken += 1
        readingInProgress = true
        let stamp = ReadingTime.stamp(wallClockMilliseconds: wallClock, monotonicMilliseconds: now)
        // Scheduled from when the read started, not ended: a slow sensor (a DS18B20 takes
        // 750 ms) must not push every later reading back.
        if settings.pacedByDelivery {
            nextReadingAt = (nextReadingAt ?? now) + settings.intervalMilliseconds
        } else {
            nextReadingAt = ReadingSchedule.next(
                dueAt: nextReadingAt ?? now, startedAt: now, wallClockMilliseconds: wallClock,
                intervalMilliseconds: settings.intervalMilliseconds
            )
        }
        // A reading numbers itself only once taken: a failed read uses no message ID.
        let sequence = nextSequence
        if ReadingTime.isMonotonic(stamp), !saidClockUnset {
            saidClockUnset = true
            queued.append(.takeReading(sequence: sequence, takenAtMilliseconds: stamp))
            return .report(.clockUnset(wallClockMilliseconds: wallClock))
        }
        return .takeReading(sequence: sequence, takenAtMilliseconds: stamp)
    }

    /// Once the clock is set, gives the readings stamped before it their wall-clock times.
    private mutating func giveTimes(now: Int64, wallClock: Int64) -> Action? {
        guard awaitingClock > 0, ReadingTime.clockIsSet(wallClockMilliseconds: wallClock) else { return nil }
        let restamped = outbox.restamp {
            ReadingTime.fixedUp($0, wallClockMilliseconds: wallClock, monotonicMilliseconds: now)
        }
        awaitingClock = 0
        saidClockUnset = false
        return .report(.clockSet(wallClockMilliseconds: wallClock, restampedReadings: restamped))
    }

    // MARK: - Delivery

    private mutating func uplinkAction(now: Int64, wallClock: Int64) -> Action? {
        switch uplink {
        case .ready(let channel):
            guard !outbox.isEmpty, now >= nextAttemptAt else { return nil }
            let single = outbox.count == 1 || singlesBeforeBatching > 0
            roundJustFailed = false
            if single {
                uplink = .sending(channel, readings: 1, single: true)
                return .send(.message(channel.message(outbox.pending[outbox.pending.startIndex])))
            }
            let batch = channel.batch(outbox.pending, maximumBodyBytes: settings.maximumBatchBodyBytes)
            uplink = .sending(channel, readings: batch.count, single: false)
            return .send(.batch(batch))
        case .unassigned:
            guard !outbox.isEmpty, now >= nextAttemptAt, settings.provisioning.isPresent else { return nil }
            if let last = lastProvisionedAt, now - last < settings.reprovisionIntervalMilliseconds {
                nextAttemptAt = last + settings.reprovisionIntervalMilliseconds
                isStalled = true
                roundJustFailed = true
                return .report(.reprovisioningDeferred(forMilliseconds: nextAttemptAt - now))
            }
            roundJustFailed = false
            startProvisioning(first: false, now: now)
            return queued.isEmpty ? nil : take(queued.removeFirst())
        case .provisioning(var run):
            guard let due = run.nextStepAt, now >= due else { return nil }
            run.nextStepAt = nil
            follow(run.machine.timerFired(), of: run, now: now, wallClock: wallClock)
            return queued.isEmpty ? nil : take(queued.removeFirst())
        case .sending, .stopped:
            return nil
        }
    }

    private mutating func hubAnswered(
        _ response: HTTPResponse, channel: TelemetryChannel, readings: Int, single: Bool, now: Int64, wallClock: Int64
    ) {
        uplink = .ready(channel)
        guard let refused = FailedAttempt(response: response, wallClockSeconds: wallClock / 1000) else {
            if readings > 0 {
                queued.append(.report(.delivered(readings: readings, hub: channel.hub, batched: !single)))
            }
            if singlesBeforeBatching > 0 { singlesBeforeBatching -= 1 }
            failedAttempts = 0
            isStalled = false
            nextAttemptAt = now
            return
        }
        let decision = settings.retryPolicy.decide(
            attempt: failedAttempts + 1, after: refused.trouble, retryAfterSeconds: refused.retryAfterSeconds,
            random: &random
        )
        switch decision {
        case .dropMessage:
            failedAttempts = 0
            if single {
                if readings > 0 {
                    queued.append(.report(.dropped(outbox.pending[outbox.pending.startIndex], refused.failure)))
                    outbox.removeOldest(1)
                }
                if singlesBeforeBatching > 0 { singlesBeforeBatching -= 1 }
            } else {
                singlesBeforeBatching = readings
                queued.append(.report(.batchRefused(refused.failure, readings: readings)))
            }
        case .reprovision where settings.provisioning.isPresent:
            failedAttempts = 0
            assignment = nil
            uplink = .unassigned
            nextAttemptAt = now
            queued.append(.report(.identityRejected(refused.failure)))
        case .retry, .giveUp, .reprovision:
            failed(.refused(refused.failure), decision: decision, now: now)
        }
    }

    private mutating func failed(_ failure: AttemptFailure, trouble: RetryTrouble, retryAfterSeconds: Int?, now: Int64)
    {
        let decision = settings.retryPolicy.decide(
            attempt: failedAttempts + 1, after: trouble, retryAfterSeconds: retryAfterSeconds, random: &random
        )
        failed(failure, decision: decision, now: now)
    }

    /// A round that did not deliver: wait the backoff, or keep the readings for the next round.
    private mutating func failed(_ failure: AttemptFailure, decision: RetryDecision, now: Int64) {
        if case .retry(let delay) = decision {
            failedAttempts += 1
            nextAttemptAt = now + delay
            queued.append(.report(.retrying(failure, afterMilliseconds: delay, pending: outbox.count)))
            return
        }
        failedAttempts = 0
        isStalled = true
        roundJustFailed = true
        nextAttemptAt = now + settings.pauseAfterGivingUpMilliseconds
        queued.append(
            .report(
                .keptForLater(
                    failure, pending: outbox.count, retryInMilliseconds: settings.pauseAfterGivingUpMilliseconds)))
    }

    // MARK: - Provisioning

    private var isProvisioningFirst: Bool {
        if case .provisioning(let run) = uplink { return run.isFirst }
        return false
    }

    private mutating func startProvisioning(first: Bool, now: Int64) {
        guard let provisioning = settings.provisioning else { return }
        // A fresh stream per registration keeps two in one run from sharing a jitter schedule.
        var run = ProvisioningRun(
            machine: ProvisioningStateMachine(settings: provisioning, random: SplitMix64(seed: random.next())),
            deadline: now + settings.provisioningTimeoutMilliseconds, nextStepAt: nil, isFirst: first,
            lastConnectionProblem: nil
        )
        let action = run.machine.start()
        follow(action, of: run, now: now, wallClock: 0)
    }

    /// Carries out what the provisioning sub-machine said.
    private mutating func follow(
        _ action: ProvisioningStateMachine<SplitMix64>.Action, of run: ProvisioningRun, now: Int64, wallClock: Int64
    ) {
        var run = run
        switch action {
        case .send(let request):
            run.nextStepAt = nil
            uplink = .provisioning(run)
            queued.append(.send(.provisioning(request)))
        case .sleep(let milliseconds):
            guard now + milliseconds < run.deadline else {
                return provisioningFailed(
                    .timedOut(
                        afterMilliseconds: settings.provisioningTimeoutMilliseconds,
                        lastConnectionProblem: run.lastConnectionProblem),
                    first: run.isFirst, now: now
                )
            }
            run.nextStepAt = now + milliseconds
            uplink = .provisioning(run)
        case .assigned(let assigned):
            guard let key = settings.assignmentKey else { return }
            let saved = SavedAssignment(assignment: assigned, assignedAtSeconds: wallClock / 1000, key: key)
            lastProvisionedAt = now
            adopt(saved)
            nextAttemptAt = now
            isStalled = false
            queued.append(.save(saved))
            queued.append(.report(.provisioned(saved, requests: run.machine.requestsSent, again: !run.isFirst)))
        case .fail(let error):
            provisioningFailed(.refused(error), first: run.isFirst, now: now)
        }
    }

    private mutating func provisioningFailed(_ failure: ProvisioningFailure, first: Bool, now: Int64) {
        if first { return stop(.provisioningFailed(failure, pending: outbox.count)) }
        lastProvisionedAt = now
        isStalled = true
        roundJustFailed = true
        uplink = .unassigned
        nextAttemptAt = now + settings.reprovisionIntervalMilliseconds
        queued.append(
            .report(.reprovisioningFailed(failure, retryInMilliseconds: settings.reprovisionIntervalMilliseconds)))
    }

    private mutating func adopt(_ saved: SavedAssignment) {
        assignment = saved
        uplink = .ready(
            TelemetryChannel(
                assignment: saved.assignment, messageIDPrefix: messageIDPrefix, apiVersion: settings.hubAPIVersion,
                applicationProperties: settings.applicationProperties
            )
        )
    }

    // MARK: - Bookkeeping

    /// When the machine next has something to do by itself.
    private var wakeTime: Int64? {
        var wake: Int64?
        func earliest(_ time: Int64) { wake = min(wake ?? time, time) }
        if slotOpen { earliest(nextReadingAt ?? .min) }
        switch uplink {
        case .ready, .unassigned:
            if !outbox.isEmpty, settings.provisioning.isPresent || assignment.isPresent { earliest(nextAttemptAt) }
        case .provisioning(let run):
            if let due = run.nextStepAt { earliest(due) }
        case .sending, .stopped:
            break
        }
        return wake
    }

    /// Readings a `.delivered` report named leave the queue once the report is out, so that the
    /// report's view of them stays valid while it is rendered.
    private mutating func settle() {
        guard deliveredCount > 0 else { return }
        outbox.removeOldest(deliveredCount)
        deliveredCount = 0
    }

    private mutating func take(_ action: Action) -> Action {
        if case .report(.delivered(let readings, _, _)) = action { deliveredCount = readings }
        return action
    }

    private mutating func stop(_ outcome: TelemetryOutcome) {
        if case .stopped = uplink { return }
        uplink = .stopped(outcome)
        readingInProgress = false
    }

    private mutating func finish(_ outcome: TelemetryOutcome) -> Action {
        stop(outcome)
        return .stop(outcome)
    }
}

/// What the telemetry state machine sends: a DPS request, or one or several readings to the hub.
public enum TelemetryRequest {
    case provisioning(ServiceRequest)
    case message(TelemetryReading)
    case batch(TelemetryBatchRequest)

    public var endpoint: Endpoint {
        switch self {
        case .provisioning(let request): return request.endpoint
        case .message(let message): return message.hub
        case .batch(let batch): return batch.hub
        }
    }
}
