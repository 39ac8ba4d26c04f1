import Agent
import AzureIoT
import Platform
import Wire

/// Renders the telemetry machine's events for people: a log line each, the status LED's pattern,
/// the line `systemctl status` shows, and the delivery counters kept across runs.
struct RunReporter {
    let count: Int
    /// The first sequence number of this run; readings below it came from the spool.
    let firstSequence: Int
    /// What message IDs start with, for the debug log of queued readings.
    let messageIDPrefix: String
    private(set) var delivered = 0
    private(set) var dropped = 0
    /// The last trouble, for the error line of a bounded run that gave up.
    private(set) var lastProblem: String? {
        didSet {
            problemSinceDelivery = lastProblem
            statusChanged = true
        }
    }
    /// The trouble since the last delivery, which the status line shows until one succeeds.
    private var problemSinceDelivery: String?
    private var statusChanged = false
    private(set) var lastHub: Endpoint?
    /// What the status LED shows now.
    private(set) var ledPattern: StatusLEDPattern = .provisioning
    /// The totals across runs, for `kelvin status`; nil without a state directory.
    private var counters: DeliveryCounters?
    private let counterFile: CounterFile?
    private var countersSavedAt: Int64

    init(count: Int, firstSequence: Int, messageIDPrefix: String, counterFile: CounterFile?, clock: MonotonicClock) {
        self.count = count
        self.firstSequence = firstSequence
        self.messageIDPrefix = messageIDPrefix
        self.counterFile = counterFile
        countersSavedAt = clock.nowMilliseconds
        if let counterFile {
            let wallClock = clock.wallClockMilliseconds
            counters =
                counterFile.load { Log.warning($0) }
                ?? DeliveryCounters(
                    sinceMilliseconds: ReadingTime.clockIsSet(wallClockMilliseconds: wallClock) ? wallClock : 0)
        }
    }

    /// Writes the counters now (at exit, at a reload) or when the last write is old enough.
    mutating func saveCounters(force: Bool, clock: MonotonicClock) {
        guard let counterFile, var counters else { return }
        let now = clock.nowMilliseconds
        guard force || now - countersSavedAt >= CounterFile.savingIntervalMilliseconds else { return }
        countersSavedAt = now
        let wallClock = clock.wallClockMilliseconds
        if ReadingTime.clockIsSet(wallClockMilliseconds: wallClock) {
            counters.updatedMilliseconds = wallClock
            if counters.sinceMilliseconds == 0 { counters.sinceMilliseconds = wallClock }
        }
        self.counters = counters
        // One failure is enough to hear about; the run goes on without the file.
        if !counterFile.save(counters, log: { Log.warning($0) }) { self.counters = nil }
    }

    var droppedNote: String { dropped == 0 ? "" : "; \(dropped) refused by the hub and dropped" }

    /// `sent 1423, queued 0, hub myhub`, and what is wrong while nothing gets through: the line
    /// `systemctl status` shows.
    func summary(queued: Int) -> String {
        let line = "sent \(delivered), queued \(queued), hub \(lastHub?.description ?? "none yet")"
        guard let problem = problemSinceDelivery else { return line }
        return line + "; not delivering: " + problem
    }

    /// `12/100`, `12`, or `from the spool`.
    private func progressText(_ reading: Reading) -> String {
        let number = reading.sequence - firstSequence + 1
        return reading.sequence < firstSequence ? "from the spool" : count > 0 ? "\(number)/\(count)" : "\(number)"
    }

    /// Logs `event` and updates the LED pattern and the counters.
    /// - Returns: whether the status line changed (a delivery, or a problem).
    mutating func report(_ event: TelemetryEvent, delivered readings: ArraySlice<Reading>, nowMilliseconds now: Int64)
        -> Bool
    {
        statusChanged = false
        render(event, delivered: readings, now: now)
        return statusChanged
    }

    private mutating func render(_ event: TelemetryEvent, delivered readings: ArraySlice<Reading>, now: Int64) {
        showOnLED(event, now: now)
        switch event {
        case .delivered(let number, let hub, let batched):
            counters?.countDelivered(number)
            delivered += number
            for reading in readings {
                Log.info(
                    "sent \(reading.temperature) to \(hub) (\(progressText(reading)))"
                        + (batched ? " in a batch of \(number)" : ""))
            }
            if lastHub != hub { lastHub = hub }
            problemSinceDelivery = nil
            statusChanged = true
        case .retrying(let failure, let delay, let pending):
            lastProblem = failure.description
            Log.warning("\(failure); sending \(pending) reading(s) again in \(Self.seconds(delay))")
        case .keptForLater(let failure, let pending, let retry):
            lastProblem = failure.description
            Log.warning("\(failure); keeping \(pending) reading(s) and trying again in \(Self.seconds(retry))")
        case .batchRefused(let failure, let readings):
            Log.warning(
                "the hub refused a batch of \(readings) readings (\(failure)); sending them one by one so that only a bad one is dropped"
            )
        case .dropped(let reading, let failure):
            dropped += 1
            counters?.countRefused()
            Log.warning(
                "the hub refused reading \(reading.sequence) (\(reading.temperature)) for good (\(failure)); dropped it, the rest go on"
            )
        case .sensorFailed(let error):
            counters?.countSensorFailures()
            Log.warning("no reading this time: \(error)")
        case .queued(let reading):
            Log.debug("queued \(messageIDPrefix)-\(reading.sequence)")
        case .clockUnset(let wallClock):
            Log.warning(
                "the system clock reads \(UTCTimestamp.text(milliseconds: max(0, wallClock))), before 2024, so it has not been set (no network time yet); readings are timed from the monotonic clock and get their times once it is set — check NTP (timedatectl)"
            )
        case .clockSet(let wallClock, let restamped):
            Log.info(
                "the system clock is set now (\(UTCTimestamp.text(milliseconds: wallClock))); gave \(restamped) queued reading(s) their times"
            )
        case .displaced(let reading):
            counters?.countDisplaced()
            Log.warning(
                "the backlog is full; dropped the oldest reading (\(reading.sequence), \(reading.temperature)) — raise "
                    + "spool.max_bytes (--spool-max-bytes), or --backlog-limit when there is no spool, to hold more"
            )
        case .usingSavedAssignment(let saved):
            Log.info(Self.usingSaved(saved))
        case .provisioned(let saved, let requests, _):
            Log.info(Self.assigned(saved, requests: requests))
        case .provisioningRequestFailed(let problem):
            Log.warning("\(problem); retrying")
        case .identityRejected(let failure):
            lastProblem = "the hub rejected the device (\(failure))"
            Log.warning("the hub no longer accepts this device (\(failure)); provisioning again through DPS")
        case .reprovisioningDeferred(let delay):
            Log.warning(
                "provisioned too recently to ask DPS again; waiting \(Self.seconds(delay)) (--reprovision-interval)")
        case .provisioningFailed(let failure, let again, let retry):
            lastProblem = failure.description
            let what = again ? "provisioning again failed" : "registering with DPS failed"
            Log.warning("\(what): \(failure); keeping the readings and asking DPS again in \(Self.seconds(retry))")
        case .hubUnreachable(let failures):
            Log.warning(
                "the hub did not take a reading in \(failures) attempts in a row; asking DPS whether the device belongs "
                    + "to another hub now (the current one stays in use if not)"
            )
        case .refusalUnderTest(let reading, let failure):
            lastProblem = "the hub refused a reading (\(failure))"
            Log.warning(
                "the hub refused reading \(reading.sequence) (\(failure)); sending the next reading first, to tell a bad "
                    + "reading from a refusal every message gets"
            )
        case .refusedAlike(let failure, let pending, let retry):
            lastProblem = "the hub refuses every message (\(failure))"
            Log.warning(
                "the hub refuses every message alike (\(failure)): a configuration problem, not a bad reading — check "
                    + "hub.api_version (--hub-api-version) and telemetry.properties; keeping \(pending) reading(s) and "
                    + "trying again in \(Self.seconds(retry))"
            )
        case .reloaded(let kept?):
            Log.info(
                "reloaded; using the saved assignment: hub \(kept.assignment.hub) as device \(kept.assignment.deviceID)"
            )
        case .reloaded(nil):
            Log.info(
                "reloaded; the saved assignment does not fit the new settings, so the next send registers with DPS first"
            )
        }
    }

    /// A blip per delivery; a slow blink while provisioning; fast blink from the first failed
    /// send or sensor read until the next delivery, so a dead link shows at once.
    private mutating func showOnLED(_ event: TelemetryEvent, now: Int64) {
        switch event {
        case .delivered: ledPattern = .sending(lastDeliveryMilliseconds: now)
        case .identityRejected: ledPattern = .provisioning
        case .provisioned, .usingSavedAssignment: ledPattern = .sending(lastDeliveryMilliseconds: nil)
        case .retrying, .keptForLater, .provisioningFailed, .sensorFailed, .dropped, .refusedAlike, .refusalUnderTest,
            .hubUnreachable:
            ledPattern = .error
        case .batchRefused, .displaced, .reprovisioningDeferred, .provisioningRequestFailed, .queued, .clockUnset,
            .clockSet, .reloaded:
            break
        }
    }

    /// The line for a saved assignment put to use without asking DPS.
    static func usingSaved(_ saved: SavedAssignment) -> String {
        let assignment = saved.assignment
        let since = UTCTimestamp.text(milliseconds: saved.assignedAtMilliseconds)
        return "using the saved assignment: hub \(assignment.hub) as device \(assignment.deviceID) (assigned \(since))"
    }

    /// The line for an assignment DPS just gave.
    static func assigned(_ saved: SavedAssignment, requests: Int) -> String {
        let assignment = saved.assignment
        return "assigned to hub \(assignment.hub) as device \(assignment.deviceID) (\(assignment.substatus)) "
            + "after \(requests) DPS requests"
    }

    /// `12 s`, `1.5 s`.
    static func seconds(_ milliseconds: Int64) -> String {
        var writer = ByteWriter(capacity: 24)
        writer.appendDecimal(Int(milliseconds / 1000))
        let tenths = milliseconds % 1000 / 100
        if tenths > 0 {
            writer.append(UInt8(ascii: "."))
            writer.appendDecimal(Int(tenths))
        }
        writer.append(" s")
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
