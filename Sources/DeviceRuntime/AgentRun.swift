import Agent
import AzureIoT
import HTTP1
import HTTPSClient
import Platform
import Sensors
import Wire

/// `kelvin run`: sample on schedule from the first moment, provision once (reusing the saved
/// assignment while it is valid) and deliver to the assigned hub, all from one event loop.
public struct AgentRun {
    let options: RunOptions
    /// Reads the configuration again, for SIGHUP; nil: a reload is refused with a warning.
    var reloadOptions: (() throws(Fatal) -> RunOptions)?
    let clock = MonotonicClock()

    public init(options: RunOptions, reloadOptions: (() throws(Fatal) -> RunOptions)? = nil) {
        self.options = options
        self.reloadOptions = reloadOptions
    }

    public func run() throws(Fatal) {
        try installSignalHandlers()
        // Held until the process ends: a second agent on the same spool would send it twice.
        let stateLock = try StateDirectory.lock(options)
        defer { stateLock?.release() }
        let watchdog = try watchdogSchedule(options)
        // The sensor first: a wiring mistake is one line before anything else happens.
        let sensor = try DeviceSensor.open(
            options.sensor, fields: ReadingFields(humidity: options.includeHumidity, pressure: options.includePressure),
            clock: clock
        )
        let identity = try RunIdentity(options: options, clock: clock)
        var random = SplitMix64(seed: SystemRandom.seed())
        let freshPrefix = RunID.messageIDPrefix(for: identity.identity.registrationID, random: &random)
        let journal = openSpool(messageIDPrefix: freshPrefix)
        // Readings an earlier run left in the spool keep the message IDs they were numbered under.
        let messageIDPrefix = journal?.spool.messageIDPrefix ?? freshPrefix
        // With a spool its byte bound holds the backlog; the in-memory limit is for a run without one.
        var outbox = journal?.outbox(reserving: options.backlogLimit) ?? Outbox(capacity: options.backlogLimit)
        if !outbox.isEmpty {
            Log.info("\(outbox.count) reading(s) from an earlier run are in the spool; they go first")
        }
        // A monotonic stamp from an earlier process may be from an earlier boot: no time beats
        // a wrong one.
        let untimed = outbox.restamp(ReadingTime.forgotten)
        if untimed > 0 {
            Log.warning(
                "\(untimed) reading(s) from an earlier run were taken before the clock was set; they go without a creation time"
            )
        }
        let firstSequence = journal?.spool.nextSequence ?? 1
        let machine = TelemetryStateMachine(
            settings: identity.machineSettings(options), saved: identity.savedAssignment(), outbox: outbox,
            messageIDPrefix: messageIDPrefix, firstSequence: firstSequence, random: random
        )
        let reporter = RunReporter(
            count: options.count, firstSequence: firstSequence, messageIDPrefix: messageIDPrefix,
            counterFile: journal == nil ? nil : CounterFile(directory: StateDirectory.path(options)), clock: clock
        )
        let reloading = reloadOptions.map { reread in
            RunReloading(options: options, reread: reread, journal: journal, clock: clock)
        }
        let shell = try DeviceShell(
            reporter: reporter, ledLine: options.statusLEDLine, alertLine: options.sensor.alertLine,
            store: identity.store, clock: clock,
            reloader: reloading.map { reloading in { reloading.reload() } }
        )
        var loop = AgentLoop(
            machine: machine, source: sensor, transport: identity.client, waiter: PollingWaiter(), shell: shell,
            watchdog: watchdog)
        let (outcome, failure) = loop.run()
        journal?.synchronize()
        loop.shell.reporter.saveCounters(force: true, clock: clock)
        loop.transport.closeAll()
        try conclude(
            outcome, failure: failure, reporter: loop.shell.reporter, identity: identity, spooled: journal != nil,
            connections: loop.transport.connectionsOpened)
    }

    private func conclude(
        _ outcome: TelemetryOutcome, failure: HTTPSError?, reporter: RunReporter, identity: RunIdentity, spooled: Bool,
        connections: Int
    ) throws(Fatal) {
        switch outcome {
        case .allDelivered:
            Log.info(
                "done: \(reporter.delivered) readings delivered over \(connections) TLS connections"
                    + reporter.droppedNote)
        case .stopped(let pending):
            let signal = Signals.terminationSignalName ?? "a signal"
            Log.info(
                "stopped by \(signal): \(reporter.summary(queued: pending))"
                    + Self.undelivered(pending, spooled: spooled))
        case .undelivered(let pending):
            throw Fatal(
                message:
                    "\(pending) of \(options.count) readings were not delivered (last problem: \(reporter.lastProblem ?? "none")); check the network and the hub",
                exitCode: .temporaryFailure
            )
        case .provisioningFailed(let problem, let pending):
            var hint = ""
            if case .refused(let refusal) = problem { hint = identity.chainHint(for: refusal) }
            throw Fatal(
                message: problem.description + hint + Self.undelivered(pending, spooled: spooled),
                exitCode: ExitCode.of(problem))
        case .transportFailed(let pending):
            let message = failure?.description ?? "the connection failed"
            throw Fatal(
                message: message + Self.undelivered(pending, spooled: spooled),
                exitCode: failure.map { ExitCode.of($0) } ?? .unavailable)
        }
    }

    /// `kelvin provision [--force]`: registers with DPS (unless the saved assignment is valid and
    /// `force` is not given) and saves the result.
    /// The same machine and loop as a run, taking no readings and stopping once assigned, so the
    /// status LED blinks and a signal ends it at once.
    public func provision(force: Bool) throws(Fatal) {
        try installSignalHandlers()
        let identity = try RunIdentity(options: options, clock: clock)
        var settings = identity.machineSettings(options)
        settings.provisionOnly = true
        let machine = TelemetryStateMachine(
            settings: settings, saved: force ? nil : identity.savedAssignment(), outbox: Outbox(capacity: 1),
            messageIDPrefix: "", random: SplitMix64(seed: SystemRandom.seed())
        )
        let reporter = RunReporter(count: 0, firstSequence: 1, messageIDPrefix: "", counterFile: nil, clock: clock)
        let shell = try DeviceShell(
            reporter: reporter, ledLine: options.statusLEDLine, alertLine: nil, store: identity.store, clock: clock,
            reloader: nil
        )
        var loop = AgentLoop(
            machine: machine, source: SimulatedReadings(fields: ReadingFields()), transport: identity.client,
            waiter: PollingWaiter(), shell: shell, watchdog: nil
        )
        let (outcome, failure) = loop.run()
        loop.transport.closeAll()
        switch outcome {
        case .allDelivered, .undelivered:
            return
        case .stopped:
            Log.info("stopped by \(Signals.terminationSignalName ?? "a signal") while provisioning")
        case .provisioningFailed(let problem, _):
            var hint = ""
            if case .refused(let refusal) = problem { hint = identity.chainHint(for: refusal) }
            throw Fatal(message: problem.description + hint, exitCode: ExitCode.of(problem))
        case .transportFailed:
            throw Fatal(message: failure?.description ?? "the connection failed", exitCode: failure.map { ExitCode.of($0) } ?? .unavailable)
        }
    }

    private func installSignalHandlers() throws(Fatal) {
        do {
            try Signals.install()
        } catch {
            throw Fatal(message: "cannot install the SIGTERM/SIGINT/SIGHUP handlers: \(error)", exitCode: .failure)
        }
    }

    /// systemd's watchdog, when it asks for one; a network timeout longer than half its period
    /// is refused, since then the unit and kelvin.conf disagree about how long a silence means
    /// the agent is stuck.
    private func watchdogSchedule(_ options: RunOptions) throws(Fatal) -> WatchdogSchedule? {
        guard SystemdNotifier.fromEnvironment() != nil,
            let watchdog = WatchdogSchedule(
                watchdogMicroseconds: Environment.value("WATCHDOG_USEC"),
                watchdogPID: Environment.value("WATCHDOG_PID"),
                processID: Process.id
            )
        else { return nil }
        let half = watchdog.pingIntervalMilliseconds
        for (flag, timeout) in [
            ("--connect-timeout", options.connectTimeoutMilliseconds), ("--io-timeout", options.ioTimeoutMilliseconds),
        ]
        where timeout > half {
            throw Fatal(
                message:
                    "\(flag) \(RunReporter.seconds(timeout)) is longer than half of systemd's watchdog (WatchdogSec= \(RunReporter.seconds(watchdog.timeoutMilliseconds))); lower \(flag) to \(RunReporter.seconds(half)) or less, or raise WatchdogSec= in the unit",
                exitCode: .configuration
            )
        }
        Log.debug("systemd watchdog: \(watchdog.timeoutMilliseconds) ms, pinged every \(half) ms")
        return watchdog
    }

    static func undelivered(_ pending: Int, spooled: Bool) -> String {
        guard pending > 0 else { return "" }
        return spooled
            ? " (\(pending) readings not yet delivered stay in the spool for the next run)"
            : " (\(pending) readings not yet delivered are lost)"
    }

    /// The spool at `<state-dir>/spool`; nil (readings then kept in memory only, with a warning)
    /// when the state directory cannot hold it.
    private func openSpool(messageIDPrefix: String) -> SpoolJournal<FileSpoolStorage>? {
        let directory = StateDirectory.path(options)
        do {
            try Files.createDirectory(directory)
        } catch {
            Self.warnNoSpool(directory, error.description)
            return nil
        }
        do {
            return try DeviceSpool.open(
                stateDirectory: directory,
                settings: Spool<FileSpoolStorage>.Settings(
                    maximumBytes: options.spoolMaximumBytes,
                    syncPolicy: options.spoolSyncEvery == 0 ? .never : .everyRecords(options.spoolSyncEvery)
                ),
                newMessageIDPrefix: messageIDPrefix, log: { Log.warning($0) }
            )
        } catch {
            Self.warnNoSpool(directory, error.description)
            return nil
        }
    }

    private static func warnNoSpool(_ directory: String, _ problem: String) {
        Log.warning(
            "cannot keep a spool in \(directory) (\(problem)); unsent readings are kept in memory only and lost on restart — make \(directory) writable by this user or choose another with --state-dir"
        )
    }
}

/// SIGHUP: reads the configuration and the identity files again. The queue, the spool, the
/// message numbering and the schedule are kept; the saved assignment is reused while it still
/// matches, otherwise the next send registers with DPS first under the retry rules.
final class RunReloading {
    private var options: RunOptions
    private let reread: () throws(Fatal) -> RunOptions
    private let journal: SpoolJournal<FileSpoolStorage>?
    private let clock: MonotonicClock

    init(
        options: RunOptions, reread: @escaping () throws(Fatal) -> RunOptions, journal: SpoolJournal<FileSpoolStorage>?,
        clock: MonotonicClock
    ) {
        self.options = options
        self.reread = reread
        self.journal = journal
        self.clock = clock
    }

    func reload() -> AgentReload<HTTPSClient>? {
        journal?.synchronize()
        Log.info("reload requested (SIGHUP): reading the configuration and the identity files again")
        let reloaded: RunOptions
        let identity: RunIdentity
        do {
            reloaded = try reread()
            identity = try RunIdentity(options: reloaded, clock: clock)
        } catch {
            Log.error("reload failed, carrying on with the configuration as it was: \(error.message)")
            return nil
        }
        let restartOnly = reloaded.keysNeedingRestart(comparedWith: options)
        if !restartOnly.isEmpty {
            Log.warning(
                "\(restartOnly.map { $0.description }.joined(separator: ", ")) changed; a reload cannot apply that, restart kelvin (systemctl restart kelvin) to use it"
            )
        }
        var applied = reloaded
        applied.keepRestartOnlySettings(of: options)
        if applied.intervalMilliseconds != options.intervalMilliseconds {
            Log.info("readings every \(RunReporter.seconds(applied.intervalMilliseconds)) from the next one on")
        }
        options = applied
        Log.format.threshold = applied.logLevel
        return AgentReload(
            settings: identity.machineSettings(applied), saved: identity.savedAssignment(), transport: identity.client)
    }
}
