import Agent
import AzureIoT
import HTTPSClient
import Platform

/// The agent's shell on a device: the signal self-pipe, the alert and LED lines, systemd, the
/// assignment file, the log and counters, and reloading the configuration.
struct DeviceShell: AgentShell {
    typealias Transport = HTTPSClient

    var reporter: RunReporter
    private let notifier: SystemdNotifier?
    private let led: HeldOutput?
    private let alert: HeldEvents?
    private var store: FileAssignmentStore
    private let clock: MonotonicClock
    private var ledIsOn = false
    private var notifyFailureReported = false
    /// Reads the configuration and identity again; nil when the run has nothing to reload from.
    private let reloader: (() -> AgentReload<HTTPSClient>?)?

    /// - Throws: a configuration `Fatal` naming a GPIO line that cannot be had, and the fix.
    init(
        reporter: RunReporter, ledLine: String?, alertLine: String?, store: FileAssignmentStore, clock: MonotonicClock,
        reloader: (() -> AgentReload<HTTPSClient>?)?
    ) throws(Fatal) {
        self.reporter = reporter
        notifier = SystemdNotifier.fromEnvironment()
        self.store = store
        self.clock = clock
        self.reloader = reloader
        do {
            led = try ledLine.map { name throws(GPIOError) in
                HeldOutput(try OutputLine(try GPIOLineLocation.named(name), consumer: "kelvin-status"))
            }
            alert = try alertLine.map { name throws(GPIOError) in
                HeldEvents(try EventLine(try GPIOLineLocation.named(name), consumer: "kelvin-alert", edges: .both))
            }
        } catch {
            throw Fatal(message: error.description, exitCode: .configuration)
        }
    }

    /// Whether systemd listens; without it a status line is not worth building.
    var isSupervised: Bool { notifier != nil }

    var signalDescriptor: Int32? { Signals.wakeDescriptor }
    var alertDescriptor: Int32? { alert?.line.descriptor }
    var ledPattern: StatusLEDPattern? { led == nil ? nil : reporter.ledPattern }

    mutating func takeSignals() -> ReceivedSignals {
        Signals.drainWake()
        return ReceivedSignals(termination: Signals.terminationRequested, reload: Signals.takeReload())
    }

    mutating func takeAlert() -> Bool {
        guard let alert else { return false }
        var fired = false
        // Every pending edge is read, so the descriptor is quiet again until the next one.
        while (try? alert.line.readPendingEdge()) != nil { fired = true }
        return fired
    }

    mutating func refreshLED(nowMilliseconds: Int64) {
        guard let led else { return }
        let on = reporter.ledPattern.isOn(atMilliseconds: nowMilliseconds)
        guard on != ledIsOn else { return }
        // A status LED that cannot be set is not worth stopping the telemetry for.
        if (try? led.line.set(active: on)) != nil { ledIsOn = on }
    }

    mutating func notify(_ notification: SystemdNotification) {
        guard let notifier else { return }
        do {
            try notifier.send(notification.text)
            Log.debug("told systemd \(notification.text)")
        } catch {
            // Once is enough: the watchdog would repeat the warning every few seconds.
            guard !notifyFailureReported else { return }
            notifyFailureReported = true
            Log.warning(
                "cannot notify systemd at NOTIFY_SOCKET=\(notifier.socketPath) (\(error)); check NotifyAccess= in the unit"
            )
        }
    }

    mutating func save(_ saved: SavedAssignment) {
        store.save(saved, log: { Log.warning($0) })
    }

    mutating func report(_ event: TelemetryEvent, delivered: ArraySlice<Reading>, queued: Int, nowMilliseconds: Int64) {
        let statusChanged = reporter.report(event, delivered: delivered, nowMilliseconds: nowMilliseconds)
        refreshLED(nowMilliseconds: nowMilliseconds)
        guard statusChanged else { return }
        if isSupervised { notify(.status(reporter.summary(queued: queued))) }
        reporter.saveCounters(force: false, clock: clock)
    }

    mutating func reload() -> AgentReload<HTTPSClient>? {
        reporter.saveCounters(force: true, clock: clock)
        guard let reloader else {
            Log.warning(
                "reload requested (SIGHUP), but this run was not started from a configuration; carrying on unchanged")
            return nil
        }
        return reloader()
    }
}

/// A GPIO line held by reference, so that an optional one can be kept in a copyable shell.
final class HeldOutput {
    let line: OutputLine
    init(_ line: consuming OutputLine) { self.line = line }
}

final class HeldEvents {
    let line: EventLine
    init(_ line: consuming EventLine) { self.line = line }
}
