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
/// | provisioning | refused, timed out, server trouble | ready with the hub it had, or unassigned; report `provisioningFailed`, retry after the interval (a bounded run's first: `stop(.provisioningFailed)`) |
/// | ready | readings queued, attempt due | sending; `send` a message, or a batch of the oldest |
/// | ready | the hub failed 10 attempts in a row, interval since the last registration passed | provisioning (keeping the hub); report `hubUnreachable` |
/// | ready | the oldest reading under test | sending; `send` the next reading as a probe |
/// | sending | 2xx | ready; report `delivered`, the readings leave the queue (a probe's: the one under test is `dropped`) |
/// | sending | 429/5xx/timeout/closed/malformed | ready; report `retrying` (wait the backoff), or `keptForLater` once the attempts are used up |
/// | sending | server trouble (untrusted, not yet valid, not TLS) | as a timeout (a bounded run: `stop(.transportFailed)`) |
/// | sending | 413 | ready; report `dropped` |
/// | sending | 400/other 4xx, one message | ready; report `refusalUnderTest`, the next reading goes first |
/// | sending | the same 400 for the probe | ready; report `refusedAlike`, nothing dropped, wait the backoff |
/// | sending | 400/other 4xx, a batch | ready; report `batchRefused`, then one by one |
/// | sending | 401/403/404 | unassigned; report `identityRejected` |
/// | unassigned | readings queued | provisioning (again), or report `reprovisioningDeferred` within the interval |
/// | any | termination | stopped; `stop(.stopped)` (the driver cancels a request in flight) |
/// | any | reload | ready (saved assignment adopted) or unassigned; report `reloaded` |
/// | ready, unassigned | sampling done (bounded run), queue empty or stalled | stopped; `stop(.allDelivered)` / `stop(.undelivered)` |
///
/// Only a bounded run (`count` > 0) ever stops by itself: a run without a count outlives every
/// condition the network, a server or the clock brings, reporting it and trying again.
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
        /// Failed hub attempts in a row (no answer, or 5xx) after which DPS is asked whether the
        /// device belongs elsewhere now: azure-sdk-for-c's samples re-provision after 10.
        public var hubFailuresBeforeReprovisioning: Int
        /// Take no readings and stop once assigned (`kelvin provision`).
        public var provisionOnly = false

        /// A run with a count (or one that only provisions) ends once its readings are settled,
        /// or a round fails to settle them; a run without one never ends by itself.
        public var isBounded: Bool { count > 0 || provisionOnly }

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
            pacedByDelivery: Bool = false,
            hubFailuresBeforeReprovisioning: Int = 10
        ) {
            self.hubFailuresBeforeReprovisioning = max(hubFailuresBeforeReprovisioning, 1)
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
        /// Valid transitions: ready, unassigned, stopped.
        case sending(InFlight)
        /// Valid transitions: provisioning, ready (reload), stopped.
        case unassigned
        /// Valid transitions: ready, unassigned, stopped.
        case provisioning(ProvisioningRun)
        /// Terminal.
        case stopped(TelemetryOutcome)
    }

    /// A request to the hub in flight.
    private struct InFlight {
        enum Kind { case single, batch, probe }
        let channel: TelemetryChannel
        /// The queued readings it carries, from the oldest (a probe: the second oldest); fewer
        /// when some gave way to newer ones meanwhile.
        var readings: Int
        var kind: Kind
    }

    /// One DPS registration in progress.
    private struct ProvisioningRun {
        var machine: ProvisioningStateMachine<SplitMix64>
        let deadline: Int64
        /// When the sub-machine's wait ends; nil while a request is in flight.
        var nextStepAt: Int64?
        let isFirst: Bool
        var lastConnectionProblem: String?
        /// The hub to go back to when this registration fails (one asked while the hub was
        /// unreachable): the saved assignment is replaced only by a successful registration.
        let fallback: TelemetryChannel?
    }

    /// A refusal as far as telling two apart goes: the tracking ID differs every time.
    private struct RefusalShape {
        let status: Int
        let errorCode: Int?
        let message: String?

        init(_ failure: ServiceFailure) {
            status = failure.httpStatus
            errorCode = failure.errorCode
            message = failure.message
        }

        func matches(_ other: RefusalShape) -> Bool {
            status == other.status && errorCode == other.errorCode && ASCII.equals(message, other.message)
        }
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
    private var queued = ActionQueue<Action>()

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
    /// Failed hub attempts (no answer, 5xx) since the last delivery.
    private var hubFailuresInARow = 0
    /// When to ask DPS whether the unreachable hub is still the device's.
    private var unreachableHubReprovisionAt: Int64?
    /// The oldest reading, refused, waiting for another reading to tell whether the refusal is
    /// its own.
    private var underTest: (sequence: Int, refusal: ServiceFailure)?
    /// A refusal two readings got alike: until a delivery, every reading is kept.
    private var refusalForAll: ServiceFailure?
    private var alikeAttempts = 0
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
        if gaveWay > 0, case .sending(var inFlight) = uplink {
            // What gave way was the oldest: a probe's reading under test, or the request's own.
            if inFlight.kind == .probe {
                inFlight.readings = 0
                underTest = nil
            } else {
                inFlight.readings = max(0, inFlight.readings - gaveWay)
            }
            uplink = .sending(inFlight)
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
        case .sending(let inFlight):
            hubAnswered(response, inFlight, now: now, wallClock: wallClock)
        case .provisioning(var run) where run.nextStepAt == nil:
            // An answer, even a throttling one, means the service is reachable.
            run.lastConnectionProblem = nil
            let action = run.machine.responseReceived(response)
            follow(action, of: run, now: now, wallClock: wallClock)
        default:
            break
        }
    }

    /// The request in flight got no answer. `transient`: trying again soon may succeed (a
    /// refused, dropped or timed-out connection, a malformed answer); otherwise the server or the
    /// path needs attention (an untrusted or not yet valid certificate, a port that does not
    /// speak TLS): a bounded run stops, a run without a count backs off and tries again.
    public mutating func requestFailed(_ problem: String, transient: Bool, nowMilliseconds now: Int64) {
        settle()
        if !transient, settings.isBounded { return stop(.transportFailed(pending: outbox.count)) }
        switch uplink {
        case .sending(let inFlight):
            uplink = .ready(inFlight.channel)
            failed(.connection(problem), trouble: .connectionFailed, retryAfterSeconds: nil, now: now)
        case .provisioning(var run) where run.nextStepAt == nil:
            run.lastConnectionProblem = problem
            guard transient else { return provisioningFailed(.unreachable(problem), run: run, now: now) }
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
        hubFailuresInARow = 0
        unreachableHubReprovisionAt = nil
        // A new configuration deserves a fresh look at every refusal.
        underTest = nil
        refusalForAll = nil
        alikeAttempts = 0
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
        if let action = queued.popFirst() { return take(action) }
        if case .stopped(let outcome) = uplink { return .stop(outcome) }
        if !started {
            started = true
            if let saved = savedAtStart {
                adopt(saved)
                if settings.provisionOnly { stop(.allDelivered) }
                return .report(.usingSavedAssignment(saved))
            }
            if settings.provisioning.isPresent { startProvisioning(first: true, fallback: nil, now: now) }
            if let action = queued.popFirst() { return take(action) }
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
        !settings.provisionOnly && !samplingDone && !readingInProgress && !(settings.pacedByDelivery && !outbox.isEmpty)
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
            if let due = unreachableHubReprovisionAt, now >= due, settings.provisioning.isPresent {
                let failures = hubFailuresInARow
                unreachableHubReprovisionAt = nil
                hubFailuresInARow = 0
                roundJustFailed = false
                startProvisioning(first: false, fallback: channel, now: now)
                return .report(.hubUnreachable(failedAttempts: failures))
            }
            let pending = outbox.pending
            if let underTest, pending[pending.startIndex].sequence == underTest.sequence {
                guard pending.count > 1 else {
                    // No other reading will come to tell: a bounded run keeps the old rule.
                    guard samplingDone else { return nil }
                    self.underTest = nil
                    outbox.removeOldest(1)
                    return .report(.dropped(pending[pending.startIndex], underTest.refusal))
                }
                roundJustFailed = false
                uplink = .sending(InFlight(channel: channel, readings: 1, kind: .probe))
                return .send(.message(channel.message(pending[pending.startIndex + 1])))
            }
            roundJustFailed = false
            if outbox.count == 1 || singlesBeforeBatching > 0 {
                uplink = .sending(InFlight(channel: channel, readings: 1, kind: .single))
                return .send(.message(channel.message(pending[pending.startIndex])))
            }
            let batch = channel.batch(pending, maximumBodyBytes: settings.maximumBatchBodyBytes)
            uplink = .sending(InFlight(channel: channel, readings: batch.count, kind: .batch))
            return .send(.batch(batch))
        case .unassigned:
            guard !outbox.isEmpty, now >= nextAttemptAt, settings.provisioning.isPresent else { return nil }
            if let last = lastProvisionedAt, now - last < settings.reprovisionIntervalMilliseconds {
                nextAttemptAt = reprovisionTime(after: last)
                isStalled = true
                roundJustFailed = true
                return .report(.reprovisioningDeferred(forMilliseconds: nextAttemptAt - now))
            }
            roundJustFailed = false
            startProvisioning(first: false, fallback: nil, now: now)
            return queued.popFirst().map { take($0) }
        case .provisioning(var run):
            guard let due = run.nextStepAt, now >= due else { return nil }
            run.nextStepAt = nil
            follow(run.machine.timerFired(), of: run, now: now, wallClock: wallClock)
            return queued.popFirst().map { take($0) }
        case .sending, .stopped:
            return nil
        }
    }

    private mutating func hubAnswered(_ response: HTTPResponse, _ inFlight: InFlight, now: Int64, wallClock: Int64) {
        let channel = inFlight.channel
        uplink = .ready(channel)
        guard let refused = FailedAttempt(response: response, wallClockSeconds: wallClock / 1000) else {
            if inFlight.kind == .probe, let underTest {
                // Another reading got through: the refusal was the reading's own.
                self.underTest = nil
                if inFlight.readings > 0 {
                    queued.append(.report(.dropped(outbox.pending[outbox.pending.startIndex], underTest.refusal)))
                    outbox.removeOldest(1)
                }
            }
            if inFlight.readings > 0 {
                queued.append(
                    .report(.delivered(readings: inFlight.readings, hub: channel.hub, batched: inFlight.kind == .batch))
                )
            }
            if singlesBeforeBatching > 0 { singlesBeforeBatching -= 1 }
            failedAttempts = 0
            hubFailuresInARow = 0
            unreachableHubReprovisionAt = nil
            refusalForAll = nil
            alikeAttempts = 0
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
            hubFailuresInARow = 0
            refusedForGood(refused.failure, inFlight, now: now)
        case .reprovision where settings.provisioning.isPresent:
            failedAttempts = 0
            assignment = nil
            uplink = .unassigned
            nextAttemptAt = now
            queued.append(.report(.identityRejected(refused.failure)))
        case .retry, .giveUp, .reprovision:
            if case .status(let status, _) = refused.trouble, (500...599).contains(status) { countHubFailure(now: now) }
            failed(.refused(refused.failure), decision: decision, now: now)
        }
    }

    /// A refusal no retry of the same bytes will change (400, 413, other 4xx). Only a refusal
    /// that is the reading's own drops it: one every reading gets alike is the configuration's.
    private mutating func refusedForGood(_ refusal: ServiceFailure, _ inFlight: InFlight, now: Int64) {
        if inFlight.kind == .batch {
            singlesBeforeBatching = inFlight.readings
            queued.append(.report(.batchRefused(refusal, readings: inFlight.readings)))
            return
        }
        if singlesBeforeBatching > 0 { singlesBeforeBatching -= 1 }
        guard inFlight.readings > 0 else { return }
        let shape = RefusalShape(refusal)
        let alike =
            refusalForAll.map { shape.matches(RefusalShape($0)) } ?? false
            || (inFlight.kind == .probe && underTest.map { shape.matches(RefusalShape($0.refusal)) } ?? false)
        if alike {
            underTest = nil
            refusalForAll = refusal
            alikeAttempts += 1
            guard let delay = settings.retryPolicy.backoffDelay(attempt: alikeAttempts, retryAfterSeconds: nil, random: &random)
            else {
                alikeAttempts = 0
                isStalled = true
                roundJustFailed = true
                nextAttemptAt = now + settings.pauseAfterGivingUpMilliseconds
                queued.append(.report(.refusedAlike(refusal, pending: outbox.count, retryInMilliseconds: settings.pauseAfterGivingUpMilliseconds)))
                return
            }
            nextAttemptAt = now + delay
            queued.append(.report(.refusedAlike(refusal, pending: outbox.count, retryInMilliseconds: delay)))
            return
        }
        let oldest = outbox.pending[outbox.pending.startIndex]
        // 413 is about this message's size; nothing else can be learnt from another reading.
        if refusal.httpStatus == 413 {
            queued.append(.report(.dropped(oldest, refusal)))
            outbox.removeOldest(1)
            return
        }
        if inFlight.kind == .probe, let underTest {
            // The probe got a refusal of its own: the one under test had its own too.
            queued.append(.report(.dropped(oldest, underTest.refusal)))
            outbox.removeOldest(1)
            let probed = outbox.pending[outbox.pending.startIndex]
            self.underTest = (probed.sequence, refusal)
            queued.append(.report(.refusalUnderTest(probed, refusal)))
            return
        }
        underTest = (oldest.sequence, refusal)
        queued.append(.report(.refusalUnderTest(oldest, refusal)))
    }

    private mutating func failed(_ failure: AttemptFailure, trouble: RetryTrouble, retryAfterSeconds: Int?, now: Int64)
    {
        countHubFailure(now: now)
        let decision = settings.retryPolicy.decide(
            attempt: failedAttempts + 1, after: trouble, retryAfterSeconds: retryAfterSeconds, random: &random
        )
        failed(failure, decision: decision, now: now)
    }

    /// One more attempt the hub did not answer, or answered 5xx; past the threshold, DPS is
    /// asked once the re-provisioning interval since the last registration has passed.
    private mutating func countHubFailure(now: Int64) {
        hubFailuresInARow += 1
        guard hubFailuresInARow >= settings.hubFailuresBeforeReprovisioning, !unreachableHubReprovisionAt.isPresent,
            settings.provisioning.isPresent
        else { return }
        unreachableHubReprovisionAt = max(now, reprovisionTime(after: lastProvisionedAt ?? .min))
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

    /// The earliest time DPS may be asked again after a registration at `last`: the
    /// re-provisioning interval, plus up to a quarter of it at random so that a fleet that lost
    /// its hub together does not register together.
    private mutating func reprovisionTime(after last: Int64) -> Int64 {
        let interval = settings.reprovisionIntervalMilliseconds
        guard last > .min else { return .min }
        return last + interval + random.uniform(in: 0...(interval / 4))
    }

    // MARK: - Provisioning

    private var isProvisioningFirst: Bool {
        if case .provisioning(let run) = uplink { return run.isFirst }
        return false
    }

    private mutating func startProvisioning(first: Bool, fallback: TelemetryChannel?, now: Int64) {
        guard let provisioning = settings.provisioning else { return }
        // A fresh stream per registration keeps two in one run from sharing a jitter schedule.
        var run = ProvisioningRun(
            machine: ProvisioningStateMachine(settings: provisioning, random: SplitMix64(seed: random.next())),
            deadline: now + settings.provisioningTimeoutMilliseconds, nextStepAt: nil, isFirst: first,
            lastConnectionProblem: nil, fallback: fallback
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
                    run: run, now: now
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
            if settings.provisionOnly { stop(.allDelivered) }
        case .fail(let error):
            provisioningFailed(.refused(error), run: run, now: now)
        }
    }

    /// A registration that did not assign the device: a bounded run's first ends the run; every
    /// other is reported and tried again after the re-provisioning interval, meanwhile sending
    /// to the hub the device had, if any.
    private mutating func provisioningFailed(_ failure: ProvisioningFailure, run: ProvisioningRun, now: Int64) {
        if run.isFirst, settings.isBounded { return stop(.provisioningFailed(failure, pending: outbox.count)) }
        lastProvisionedAt = now
        isStalled = true
        roundJustFailed = true
        let again = reprovisionTime(after: now)
        if let fallback = run.fallback {
            uplink = .ready(fallback)
            nextAttemptAt = now
        } else {
            uplink = .unassigned
            nextAttemptAt = again
        }
        queued.append(.report(.provisioningFailed(failure, again: !run.isFirst, retryInMilliseconds: again - now)))
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

    /// The only queued reading is under test: nothing can be sent until another is taken.
    private var awaitsAReadingToCompare: Bool {
        guard let underTest, outbox.count == 1 else { return false }
        return outbox.pending[outbox.pending.startIndex].sequence == underTest.sequence
    }

    /// When the machine next has something to do by itself.
    private var wakeTime: Int64? {
        var wake: Int64?
        func earliest(_ time: Int64) { wake = min(wake ?? time, time) }
        if slotOpen { earliest(nextReadingAt ?? .min) }
        switch uplink {
        case .ready, .unassigned:
            if !outbox.isEmpty, !awaitsAReadingToCompare, settings.provisioning.isPresent || assignment.isPresent {
                earliest(nextAttemptAt)
            }
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

/// Actions waiting to be handed out, first in first out. An index walks the array instead of
/// `removeFirst`, which in a build without whole-module specialisation copies each element out
/// through the generic `Collection.first`, boxing a payload this large on the heap: two
/// allocations per message, measured.
private struct ActionQueue<Element> {
    private var elements: [Element] = []
    private var head = 0

    init() { elements.reserveCapacity(8) }

    mutating func append(_ element: Element) { elements.append(element) }

    mutating func popFirst() -> Element? {
        guard head < elements.count else { return nil }
        let element = elements[head]
        head += 1
        if head == elements.count {
            elements.removeAll(keepingCapacity: true)
            head = 0
        }
        return element
    }
}
