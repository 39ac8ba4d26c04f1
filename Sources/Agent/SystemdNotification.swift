import Wire

/// A state sent to systemd over `$NOTIFY_SOCKET` (sd_notify(3)), as the text of one datagram.
public enum SystemdNotification: Equatable, Sendable {
    /// Start-up is done: provisioned, and the loop is running (`Type=notify` waits for this).
    case ready
    /// A one-line summary shown by `systemctl status`.
    case status(String)
    /// The loop is alive; systemd restarts the service when these stop (`WatchdogSec=`).
    case watchdog
    /// Shutting down, so systemd does not count the exit as a crash in the making.
    case stopping

    /// The datagram's text, `KEY=value`. A status keeps to its first line: a newline would
    /// start another assignment.
    public var text: String {
        switch self {
        case .ready: return "READY=1"
        case .watchdog: return "WATCHDOG=1"
        case .stopping: return "STOPPING=1"
        case .status(let line):
            let firstLine = line.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first ?? []
            return "STATUS=" + String(decoding: firstLine, as: UTF8.self)
        }
    }
}

/// When to tell systemd's watchdog the loop is alive: at half of `WATCHDOG_USEC`, as
/// sd_watchdog_enabled(3) advises, and only while the loop keeps turning — a loop stuck
/// retrying forever stops the pings, and systemd restarts the service.
public struct WatchdogSchedule: Equatable, Sendable {
    /// systemd's timeout (`WatchdogSec=`).
    public let timeoutMilliseconds: Int64

    public init(timeoutMilliseconds: Int64) {
        self.timeoutMilliseconds = max(2, timeoutMilliseconds)
    }

    /// The schedule systemd asks for through the environment, or nil when it asks for none:
    /// `WATCHDOG_USEC` unset, not a positive number, or `WATCHDOG_PID` naming another process
    /// (the variables were inherited from a parent that is the one being watched).
    public init?(watchdogMicroseconds: String?, watchdogPID: String?, processID: Int64) {
        guard let text = watchdogMicroseconds, let microseconds = ASCII.parseDecimal(text), microseconds > 0 else { return nil }
        if let pid = watchdogPID {
            guard let owner = ASCII.parseDecimal(pid), Int64(owner) == processID else { return nil }
        }
        self.init(timeoutMilliseconds: max(2, Int64(microseconds) / 1000))
    }

    /// Half the timeout, so that one late ping still lands in time.
    public var pingIntervalMilliseconds: Int64 { timeoutMilliseconds / 2 }

    /// When the next ping is due; at once when none was sent yet.
    public func nextPingAt(lastPingAt: Int64?) -> Int64 {
        guard let lastPingAt else { return Int64.min }
        return lastPingAt + pingIntervalMilliseconds
    }

    /// Whether to ping now.
    /// - Parameters:
    ///   - lastLoopTurnAt: when the loop last went round (or started).
    ///   - stallLimitMilliseconds: the longest one turn may take when healthy — the sampling
    ///     interval plus the bounds on provisioning and on one send; past it the loop is stuck.
    public func pingDue(atMilliseconds now: Int64, lastPingAt: Int64?, lastLoopTurnAt: Int64, stallLimitMilliseconds: Int64) -> Bool {
        guard now - lastLoopTurnAt <= stallLimitMilliseconds else { return false }
        return now >= nextPingAt(lastPingAt: lastPingAt)
    }
}
