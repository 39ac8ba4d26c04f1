import CPosix

/// SIGTERM, SIGINT and SIGHUP as flags the loop reads: the handlers only record the signal and
/// write a byte to a self-pipe (``wakeDescriptor``), so nothing unsafe runs inside them, and the
/// loop decides what to do between steps.
public enum Signals {
    /// Installs the handlers, without SA_RESTART so that a signal wakes a sleep, and makes the
    /// self-pipe the first time. The corresponding C functions are `pipe2` and `sigaction`.
    /// - Throws: the `Errno` of `pipe2` (EMFILE) or `sigaction` (in practice never).
    public static func install() throws(Errno) {
        _ = try Errno.check(cposix_install_signal_handlers())
    }

    /// A termination signal (SIGTERM, SIGINT) arrived; stays true until taken.
    public static var terminationRequested: Bool { cposix_termination_signal() != 0 }

    /// The termination signal's name, for the exit summary; nil when none arrived.
    public static var terminationSignalName: String? {
        switch cposix_termination_signal() {
        case 0: return nil
        case 2: return "SIGINT"
        case 15: return "SIGTERM"
        case let number: return "signal \(number)"
        }
    }

    /// Whether a termination signal arrived, and clears it.
    public static func takeTermination() -> Bool { cposix_take_termination_signal() != 0 }

    /// Whether SIGHUP (reload) arrived and is not yet taken; a sleep ends early for it.
    public static var reloadRequested: Bool { cposix_reload_requested() != 0 }

    /// Whether SIGHUP (reload) arrived since the last call, and clears it.
    public static func takeReload() -> Bool { cposix_take_reload_request() != 0 }
}

extension Signals {
    /// The read end of the self-pipe the handlers write to: readable once a signal arrived since
    /// the last drain, so an event loop polls it with its other descriptors and never misses a
    /// signal that landed on another thread. Valid after ``install()``; -1 before.
    /// The corresponding C function is `pipe2` (O_NONBLOCK | O_CLOEXEC), called by `install()`.
    public static var wakeDescriptor: Int32 { cposix_wake_descriptor() }

    /// Empties the self-pipe (the flags keep what arrived). The corresponding C function is `read`.
    public static func drainWake() { cposix_drain_wake() }
}
