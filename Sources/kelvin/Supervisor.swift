import Agent
import Platform

/// What systemd hears from the run: READY=1 once the loop starts, STATUS= lines, watchdog
/// pings while the loop keeps turning, STOPPING=1. Does nothing outside systemd.
final class Supervisor {
    private let notifier: SystemdNotifier?
    private let watchdog: WatchdogSchedule?
    private var lastPingAt: Int64?
    private var lastLoopTurnAt: Int64
    /// The longest a healthy loop turn takes; see `WatchdogSchedule.pingDue`.
    var stallLimitMilliseconds: Int64
    private var readySent = false
    private var failureReported = false

    /// The supervisor systemd's environment asks for: `NOTIFY_SOCKET`, `WATCHDOG_USEC`, `WATCHDOG_PID`.
    init(nowMilliseconds: Int64, stallLimitMilliseconds: Int64) {
        notifier = SystemdNotifier.fromEnvironment()
        watchdog = notifier == nil ? nil : WatchdogSchedule(
            watchdogMicroseconds: Environment.value("WATCHDOG_USEC"), watchdogPID: Environment.value("WATCHDOG_PID"), processID: Process.id
        )
        lastLoopTurnAt = nowMilliseconds
        self.stallLimitMilliseconds = stallLimitMilliseconds
        if let watchdog { Log.debug("systemd watchdog: \(watchdog.timeoutMilliseconds) ms, pinged every \(watchdog.pingIntervalMilliseconds) ms") }
    }

    /// Sends `notification`; a socket that fails is reported once, since the watchdog would
    /// otherwise repeat the warning every few seconds.
    /// Whether systemd listens; without it a status line is not worth building.
    var isListening: Bool { notifier != nil }

    func notify(_ notification: SystemdNotification) {
        guard let notifier else { return }
        do {
            try notifier.send(notification.text)
            Log.debug("told systemd \(notification.text)")
        } catch {
            guard !failureReported else { return }
            failureReported = true
            Log.warning("cannot notify systemd at NOTIFY_SOCKET=\(notifier.socketPath) (\(error)); check NotifyAccess= in the unit")
        }
    }

    /// The loop went round: the first turn means start-up is done.
    func loopTurned(atMilliseconds now: Int64) {
        lastLoopTurnAt = now
        if !readySent {
            readySent = true
            notify(.ready)
        }
        pingIfDue(atMilliseconds: now)
    }

    func pingIfDue(atMilliseconds now: Int64) {
        guard let watchdog,
              watchdog.pingDue(atMilliseconds: now, lastPingAt: lastPingAt, lastLoopTurnAt: lastLoopTurnAt, stallLimitMilliseconds: stallLimitMilliseconds)
        else { return }
        lastPingAt = now
        notify(.watchdog)
    }

    /// When a sleeping clock must wake to ping; nil without a watchdog.
    var nextPingAt: Int64? {
        guard let watchdog else { return nil }
        return watchdog.nextPingAt(lastPingAt: lastPingAt)
    }
}
