import CPosix

/// SIGTERM, SIGINT and SIGHUP as flags the loop reads: the handlers only record the signal, so
/// nothing unsafe runs inside them, and the loop decides what to do between steps.
public enum Signals {
    /// Installs the handlers, without SA_RESTART so that a signal wakes a sleep.
    /// The corresponding C function is `sigaction`.
    /// - Throws: the `Errno` of `sigaction` (in practice never).
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
