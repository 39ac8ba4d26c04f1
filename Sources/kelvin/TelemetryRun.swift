import Agent
import AzureIoT
import HTTP1
import HTTPSClient
import Platform
import Sensors
import Wire

extension MonotonicClock: AgentClock {}

/// `kelvin run` and `kelvin provision`: provision once (reusing the saved assignment while it
/// is valid), then send readings to the assigned hub, re-provisioning when the hub rejects the
/// device.
struct TelemetryRun {
    let options: RunOptions
    /// Reads the configuration again, for SIGHUP; nil: a reload is refused with a warning.
    var reloadOptions: (() throws(Fatal) -> RunOptions)?
    let clock = MonotonicClock()

    func run() throws(Fatal) {
        try installSignalHandlers()
        var options = options
        // The sensor first: a wiring mistake should not wait behind a DPS registration.
        let tally = ReadingTally()
        var source = TallyingSource(base: try DeviceSensor.open(
            options.sensor, fields: ReadingFields(humidity: options.includeHumidity, pressure: options.includePressure), clock: clock
        ), tally: tally)
        let supervisor = Supervisor(nowMilliseconds: clock.nowMilliseconds, stallLimitMilliseconds: stallLimitMilliseconds(options))
        let device = try DeviceClock(ledLine: options.statusLEDLine, alertLine: options.sensor.alertLine, supervisor: supervisor)
        var setup = try Setup(options: options, clock: clock)
        let spool = openSpool(&setup)
        try connect(&setup, force: false, clock: device)
        device.exitsOnTermination = false
        var outbox = spool?.outbox(capacity: options.backlogLimit) ?? Outbox(capacity: options.backlogLimit)
        if !outbox.isEmpty { Log.info("\(outbox.count) reading(s) from an earlier run are in the spool; they go first") }
        // A monotonic stamp from an earlier process may be from an earlier boot: no time beats
        // a wrong one.
        let untimed = outbox.restamp(ReadingTime.forgotten)
        if untimed > 0 {
            Main.warn("\(untimed) reading(s) from an earlier run were taken before the clock was set; they go without a creation time")
        }
        let firstSequence = spool?.spool.nextSequence ?? 1
        var progress = Progress(
            count: options.count, clock: device, tally: tally, supervisor: supervisor,
            counterFile: spool == nil ? nil : CounterFile(directory: Setup.stateDirectory(options))
        )
        progress.firstSequence = firstSequence
        progress.messageIDPrefix = setup.uplink.settings.messageIDPrefix
        var position = TelemetryLoop.Position(count: options.count, firstSequence: firstSequence)
        var outcome = TelemetryLoop.Outcome.allDelivered
        while true {
            var reloadRequested = false
            do {
                outcome = try TelemetryLoop.run(
                    source: &source, uplink: &setup.uplink, outbox: &outbox, position: &position,
                    intervalMilliseconds: options.intervalMilliseconds, transport: &setup.client, clock: device,
                    shouldStop: {
                        supervisor.loopTurned(atMilliseconds: clock.nowMilliseconds)
                        if Signals.takeReload() { reloadRequested = true }
                        return reloadRequested || Signals.terminationRequested
                    },
                    readingRequested: { device.takeAlert() }
                ) { progress.report($0) }
            } catch {
                spool?.synchronize()
                progress.saveCounters(force: true)
                throw Fatal(message: error.description + Self.undelivered(outbox.count, spooled: spool != nil), exitCode: ExitCode.of(error))
            }
            guard reloadRequested, !Signals.terminationRequested else { break }
            spool?.synchronize()
            progress.saveCounters(force: true)
            let interval = options.intervalMilliseconds
            reload(&options, setup: &setup, supervisor: supervisor)
            if options.intervalMilliseconds != interval {
                position.reschedule(
                    intervalMilliseconds: options.intervalMilliseconds, nowMilliseconds: clock.nowMilliseconds, wallClockMilliseconds: clock.wallClockMilliseconds
                )
                Log.info("readings every \(Progress.seconds(options.intervalMilliseconds)) from the next one on")
            }
        }
        spool?.synchronize()
        progress.saveCounters(force: true)
        setup.client.closeAll()
        if let signal = Signals.terminationSignalName {
            supervisor.notify(.stopping)
            Log.info("stopped by \(signal): \(progress.summary)" + Self.undelivered(outbox.count, spooled: spool != nil))
            return
        }
        switch outcome {
        case .allDelivered:
            Log.info("done: \(progress.delivered) readings delivered over \(setup.client.connectionsOpened) TLS connections" + progress.droppedNote)
        case .undelivered(let pending):
            throw Fatal(
                message: "\(pending) of \(options.count) readings were not delivered (last problem: \(progress.lastProblem ?? "none")); check the network and the hub",
                exitCode: .temporaryFailure
            )
        }
    }

    /// SIGHUP: reads the configuration and the identity files again and carries on with them,
    /// keeping the queue, the spool, the message numbering and the schedule. A configuration or
    /// identity that does not load leaves the run as it was, with an error line saying why.
    /// The assignment is reused while it still matches; otherwise the loop provisions again
    /// under its retry rules rather than blocking here.
    private func reload(_ options: inout RunOptions, setup: inout Setup, supervisor: Supervisor) {
        guard let reloadOptions else {
            Main.warn("reload requested (SIGHUP), but this run was not started from a configuration; carrying on unchanged")
            return
        }
        Log.info("reload requested (SIGHUP): reading the configuration and the identity files again")
        let reloaded: RunOptions
        var fresh: Setup
        do {
            reloaded = try reloadOptions()
            fresh = try Setup(options: reloaded, clock: clock)
        } catch {
            Log.error("reload failed, carrying on with the configuration as it was: \(error.message)")
            return
        }
        // Queued readings keep the message IDs they were numbered under.
        fresh.keepMessageIDPrefix(setup.uplink.settings.messageIDPrefix)
        let restartOnly = reloaded.keysNeedingRestart(comparedWith: options)
        if !restartOnly.isEmpty {
            Main.warn("\(restartOnly.map { $0.description }.joined(separator: ", ")) changed; a reload cannot apply that, restart kelvin (systemctl restart kelvin) to use it")
        }
        setup.client.closeAll()
        setup = fresh
        if let saved = setup.uplink.adoptSavedAssignment(log: { Main.warn($0) }) {
            Log.info("reloaded; using the saved assignment: hub \(saved.assignment.hub) as device \(saved.assignment.deviceID)")
        } else {
            Log.info("reloaded; the saved assignment does not fit the new settings, so the next send registers with DPS first")
        }
        var applied = reloaded
        applied.keepRestartOnlySettings(of: options)
        options = applied
        Log.format.threshold = options.logLevel
        supervisor.stallLimitMilliseconds = stallLimitMilliseconds(options)
    }

    /// `kelvin provision [--force]`.
    func provision(force: Bool) throws(Fatal) {
        try installSignalHandlers()
        var setup = try Setup(options: options, clock: clock)
        try connect(&setup, force: force, clock: DeviceClock(ledLine: options.statusLEDLine, alertLine: nil))
        setup.client.closeAll()
    }

    private func installSignalHandlers() throws(Fatal) {
        do {
            try Signals.install()
        } catch {
            throw Fatal(message: "cannot install the SIGTERM/SIGINT/SIGHUP handlers: \(error)", exitCode: .failure)
        }
    }

    /// The longest one healthy turn of the loop takes: a sampling interval, a whole provisioning
    /// and one send (connect plus a read and a write). A loop that has not turned for longer is
    /// stuck, and the watchdog pings stop so that systemd restarts it.
    private func stallLimitMilliseconds(_ options: RunOptions) -> Int64 {
        options.intervalMilliseconds + options.provisioningTimeoutMilliseconds
            + options.connectTimeoutMilliseconds + 2 * options.ioTimeoutMilliseconds
    }

    private func connect(_ setup: inout Setup, force: Bool, clock: DeviceClock) throws(Fatal) {
        clock.pattern = .provisioning
        do {
            let (saved, requests) = try setup.uplink.connect(force: force, transport: &setup.client, clock: clock) { Main.warn($0) }
            clock.pattern = .sending(lastDeliveryMilliseconds: nil)
            let assignment = saved.assignment
            if requests == 0 {
                Log.info("using the saved assignment: hub \(assignment.hub) as device \(assignment.deviceID) (assigned \(UTCTimestamp.text(milliseconds: saved.assignedAtSeconds * 1000)))")
            } else {
                Log.info("assigned to hub \(assignment.hub) as device \(assignment.deviceID) (\(assignment.substatus)) after \(requests) DPS requests")
            }
        } catch {
            clock.pattern = .error
            throw Fatal(message: error.description + setup.chainHint(for: error), exitCode: ExitCode.of(error))
        }
    }

    private static func undelivered(_ pending: Int, spooled: Bool) -> String {
        guard pending > 0 else { return "" }
        return spooled ? " (\(pending) readings not yet delivered stay in the spool for the next run)" : " (\(pending) readings not yet delivered are lost)"
    }

    /// The spool at `<state-dir>/spool`, with the uplink numbering from it so that readings from
    /// an earlier run keep their message IDs; nil (readings then kept in memory only, with a
    /// warning) when the state directory cannot hold it.
    private func openSpool(_ setup: inout Setup) -> SpoolJournal<FileSpoolStorage>? {
        let directory = Setup.stateDirectory(options)
        let journal: SpoolJournal<FileSpoolStorage>
        do {
            try Files.createDirectory(directory)
        } catch {
            Self.warnNoSpool(directory, error.description)
            return nil
        }
        do {
            journal = try DeviceSpool.open(
                stateDirectory: directory,
                settings: Spool<FileSpoolStorage>.Settings(
                    maximumBytes: options.spoolMaximumBytes,
                    syncPolicy: options.spoolSyncEvery == 0 ? .never : .everyRecords(options.spoolSyncEvery)
                ),
                newMessageIDPrefix: setup.uplink.settings.messageIDPrefix, log: { Log.warning($0) }
            )
        } catch {
            Self.warnNoSpool(directory, error.description)
            return nil
        }
        setup.keepMessageIDPrefix(journal.spool.messageIDPrefix)
        return journal
    }

    private static func warnNoSpool(_ directory: String, _ problem: String) {
        Log.warning("cannot keep a spool in \(directory) (\(problem)); unsent readings are kept in memory only and lost on restart — make \(directory) writable by this user or choose another with --state-dir")
    }
}

/// Everything a run needs before the first reading: identity, client, DPS settings, uplink.
struct Setup {
    var client: HTTPSClient
    var uplink: TelemetryUplink<FileAssignmentStore, SplitMix64>
    let identity: DeviceIdentity
    let certificatePath: String

    init(options: RunOptions, clock: MonotonicClock) throws(Fatal) {
        Process.ignoreBrokenPipe()
        guard let dps = Endpoint(parsing: options.dpsEndpoint) else {
            throw Fatal(message: "--dps \"\(options.dpsEndpoint)\" is not host or host:port", exitCode: .usage)
        }
        let payload: ProvisioningPayload?
        do {
            payload = try options.provisioningPayload.map { text throws(ProvisioningPayloadError) in try ProvisioningPayload(json: text) }
        } catch {
            throw Fatal(message: "--payload: \(error)", exitCode: .configuration)
        }
        var properties: [ApplicationProperty] = []
        for assignment in options.properties {
            do {
                properties.append(try ApplicationProperty(parsing: assignment))
            } catch {
                throw Fatal(message: "--property \(assignment): \(error)", exitCode: .configuration)
            }
        }
        let hubAPIVersion = APIVersion(options.hubAPIVersion) ?? TelemetryChannel.defaultAPIVersion
        let proxySettings = try ClientSetup.proxySettings(options)
        identity = try DeviceIdentity.load(options, clock: clock)
        certificatePath = options.certificatePath
        Log.info("device \(identity.registrationID) (certificate SHA-256 \(identity.thumbprint))")
        client = ClientSetup.client(options, identity: identity, proxySettings: proxySettings)
        let settings = ProvisioningSettings(
            endpoint: dps, idScope: options.idScope, registrationID: identity.registrationID,
            apiVersion: options.dpsAPIVersion, payload: payload
        )
        let store = FileAssignmentStore(directory: Self.stateDirectory(options))
        let keeper = AssignmentKeeper(
            settings: settings, certificateSHA256: identity.thumbprint, store: store, timeoutMilliseconds: options.provisioningTimeoutMilliseconds
        )
        var random = SplitMix64(seed: SystemRandom.seed())
        let uplinkSettings = TelemetryUplink<FileAssignmentStore, SplitMix64>.Settings(
            messageIDPrefix: RunID.messageIDPrefix(for: identity.registrationID, random: &random),
            reprovisionIntervalMilliseconds: options.reprovisionIntervalMilliseconds,
            hubAPIVersion: hubAPIVersion,
            applicationProperties: properties
        )
        uplink = TelemetryUplink(keeper: keeper, settings: uplinkSettings, random: random)
        Log.info("DPS at \(settings.endpoint) (ID scope \(settings.idScope)); assignment kept in \(store.path)")
    }

    /// Numbers messages under `prefix` (the spool's, or the one queued readings already carry)
    /// instead of the fresh one this setup made up.
    mutating func keepMessageIDPrefix(_ prefix: String) {
        guard prefix != uplink.settings.messageIDPrefix else { return }
        var settings = uplink.settings
        settings.messageIDPrefix = prefix
        uplink = TelemetryUplink(keeper: uplink.keeper, settings: settings, random: SplitMix64(seed: SystemRandom.seed()))
    }

    static func stateDirectory(_ options: RunOptions) -> String {
        if let directory = options.stateDirectory { return directory }
        if let systemd = Environment.value("STATE_DIRECTORY"), !systemd.isEmpty {
            // systemd lists several directories separated by colons when the unit names several.
            return String(systemd.split(separator: ":").first ?? Substring(systemd))
        }
        return "/var/lib/kelvin"
    }

    /// A sentence naming the likely fix when DPS refused a chain that lacks its intermediates.
    func chainHint(for error: ProvisioningRunError<HTTPSError>) -> String {
        guard case .provisioning(let refusal) = error, let shape = identity.context.certificateChainShape,
              let note = CertificateChainAdvice.note(
                  for: refusal, intermediates: shape.intermediates, leafIsSelfIssued: shape.leafIsSelfIssued, certificatePath: certificatePath
              ) else { return "" }
        return ". " + note
    }
}

/// Counts the readings the loop took, so that the status line can say how many wait.
private final class ReadingTally {
    var taken = 0
}

private struct TallyingSource<Base: ReadingSource>: ReadingSource {
    var base: Base
    let tally: ReadingTally

    mutating func read(sequence: Int, takenAtMilliseconds: Int64) throws(SensorError) -> Reading? {
        let reading = try base.read(sequence: sequence, takenAtMilliseconds: takenAtMilliseconds)
        if reading != nil { tally.taken += 1 }
        return reading
    }
}

/// Turns the loop's events into the progress lines a person watches and systemd's status line.
private struct Progress {
    let count: Int
    private(set) var delivered = 0
    private(set) var dropped = 0
    private(set) var displaced = 0
    private(set) var sensorFailures = 0
    private(set) var lastProblem: String?
    private var lastHub: Endpoint?
    /// The first sequence number of this run; readings below it came from the spool.
    var firstSequence = 1
    /// What message IDs start with, for the debug log of queued readings.
    var messageIDPrefix = ""

    let clock: DeviceClock
    let tally: ReadingTally
    let supervisor: Supervisor
    /// The totals across runs, for `kelvin status`; nil without a state directory.
    private var counters: DeliveryCounters?
    private let counterFile: CounterFile?
    private var countersSavedAt: Int64

    init(count: Int, clock: DeviceClock, tally: ReadingTally, supervisor: Supervisor, counterFile: CounterFile?) {
        self.count = count
        self.clock = clock
        self.tally = tally
        self.supervisor = supervisor
        self.counterFile = counterFile
        countersSavedAt = clock.nowMilliseconds
        if let counterFile {
            let wallClock = clock.wallClockMilliseconds
            counters = counterFile.load { Main.warn($0) }
                ?? DeliveryCounters(sinceMilliseconds: ReadingTime.clockIsSet(wallClockMilliseconds: wallClock) ? wallClock : 0)
        }
    }

    /// Writes the counters now (at exit, at a reload) or when the last write is old enough.
    mutating func saveCounters(force: Bool) {
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
        if !counterFile.save(counters, log: { Main.warn($0) }) { self.counters = nil }
    }

    var droppedNote: String { dropped == 0 ? "" : "; \(dropped) refused by the hub and dropped" }

    /// `sent 1423, queued 0, hub myhub`: the line `systemctl status` shows.
    var summary: String {
        "sent \(delivered), queued \(max(0, tally.taken - delivered - dropped - displaced)), hub \(lastHub?.description ?? "none yet")"
    }

    /// `12/100`, `12`, or `from the spool`.
    private func progressText(_ reading: Reading) -> String {
        let number = reading.sequence - firstSequence + 1
        return reading.sequence < firstSequence ? "from the spool" : count > 0 ? "\(number)/\(count)" : "\(number)"
    }

    mutating func report(_ event: UplinkEvent) {
        showOnLED(event)
        switch event {
        case .delivered(let readings, let hub, let batched):
            counters?.delivered += Int64(readings.count)
            for reading in readings {
                delivered += 1
                Log.info("sent \(reading.temperature) to \(hub) (\(progressText(reading)))" + (batched ? " in a batch of \(readings.count)" : ""))
            }
            if lastHub != hub { lastHub = hub }
            if supervisor.isListening { supervisor.notify(.status(summary)) }
            saveCounters(force: false)
        case .retrying(let problem, let delay, let pending):
            lastProblem = problem
            Main.warn("\(problem); sending \(pending) reading(s) again in \(Self.seconds(delay))")
        case .keptForLater(let problem, let pending, let retry):
            lastProblem = problem
            Main.warn("\(problem); keeping \(pending) reading(s) and trying again in \(Self.seconds(retry))")
        case .batchRefused(let failure, let readings):
            Main.warn("the hub refused a batch of \(readings) readings (\(failure)); sending them one by one so that only a bad one is dropped")
        case .dropped(let reading, let failure):
            dropped += 1
            counters?.refused += 1
            Main.warn("the hub refused reading \(reading.sequence) (\(reading.temperature)) for good (\(failure)); dropped it, the rest go on")
        case .sensorFailed(let error):
            sensorFailures += 1
            counters?.sensorFailures += 1
            Main.warn("no reading this time: \(error)")
        case .queued(let reading):
            Log.debug("queued \(messageIDPrefix)-\(reading.sequence)")
        case .clockUnset(let wallClock):
            Main.warn("the system clock reads \(UTCTimestamp.text(milliseconds: max(0, wallClock))), before 2024, so it has not been set (no network time yet); readings are timed from the monotonic clock and get their times once it is set — check NTP (timedatectl)")
        case .clockSet(let wallClock, let restamped):
            Log.info("the system clock is set now (\(UTCTimestamp.text(milliseconds: wallClock))); gave \(restamped) queued reading(s) their times")
        case .displaced(let reading):
            displaced += 1
            counters?.displaced += 1
            Main.warn("the backlog is full; dropped the oldest reading (\(reading.sequence), \(reading.temperature)) — raise --backlog-limit to hold more")
        case .identityRejected(let failure):
            lastProblem = "the hub rejected the device (\(failure))"
            Main.warn("the hub no longer accepts this device (\(failure)); provisioning again through DPS")
        case .reprovisioningDeferred(let delay):
            Main.warn("provisioned too recently to ask DPS again; waiting \(Self.seconds(delay)) (--reprovision-interval)")
        case .reprovisioned(let saved, let requests):
            let assignment = saved.assignment
            Log.info("assigned to hub \(assignment.hub) as device \(assignment.deviceID) (\(assignment.substatus)) after \(requests) DPS requests")
        case .note(let line):
            Main.warn(line)
        case .reprovisioningFailed(let problem, let retry):
            lastProblem = problem
            Main.warn("provisioning again failed: \(problem); keeping the readings and trying again in \(Self.seconds(retry))")
        }
    }

    /// A blip per delivery; a slow blink while provisioning again; fast blink from the first
    /// failed send or sensor read until the next delivery, so a dead link shows at once.
    private func showOnLED(_ event: UplinkEvent) {
        switch event {
        case .delivered: clock.pattern = .sending(lastDeliveryMilliseconds: clock.nowMilliseconds)
        case .identityRejected: clock.pattern = .provisioning
        case .reprovisioned: clock.pattern = .sending(lastDeliveryMilliseconds: nil)
        case .retrying, .keptForLater, .reprovisioningFailed, .sensorFailed, .dropped: clock.pattern = .error
        case .batchRefused, .displaced, .reprovisioningDeferred, .note, .queued, .clockUnset, .clockSet: break
        }
    }

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

extension ExitCode {
    static func of(_ error: HTTPSError) -> ExitCode {
        switch error {
        case .tls(.clientCertificateRejected): return .permissionDenied
        case .tls(.handshakeTimedOut), .tls(.handshakeInterrupted): return .unavailable
        case .tls, .encoding: return .configuration
        case .connect, .timedOut, .connectionClosed, .io: return .unavailable
        case .protocolViolation: return .dataError
        case .proxy(let failure):
            if failure.isTransient { return .unavailable }
            if case .malformedAnswer = failure { return .dataError }
            return .permissionDenied
        }
    }

    static func of(_ error: ProvisioningRunError<HTTPSError>) -> ExitCode {
        switch error {
        case .transport(let failure): return of(failure)
        case .provisioning(.rejected), .provisioning(.enrollmentDisabled): return .permissionDenied
        case .provisioning(.gaveUp): return .temporaryFailure
        case .provisioning(.malformedResponse): return .dataError
        case .provisioning(.unexpectedEvent): return .failure
        case .timedOut(_, .some): return .unavailable
        case .timedOut(_, nil): return .temporaryFailure
        }
    }

    static func of(_ error: DeliveryError<HTTPSError>) -> ExitCode {
        switch error {
        case .transport(let failure): return of(failure)
        case .identityRejected: return .permissionDenied
        case .refused: return .dataError
        case .gaveUp: return .temporaryFailure
        }
    }
}
