import Agent
import Platform
import Wire

/// Where the device keeps its assignment, spool and counters.
enum StateDirectory {
    /// `--state-dir`, else systemd's `$STATE_DIRECTORY` (`StateDirectory=`), else `/var/lib/kelvin`.
    static func path(_ options: RunOptions) -> String {
        if let directory = options.stateDirectory { return directory }
        if let systemd = Environment.value("STATE_DIRECTORY"), !systemd.isEmpty {
            // systemd lists several directories separated by colons when the unit names several.
            return ASCII.split(systemd, separator: UInt8(ascii: ":"), maxSplits: 1).first ?? systemd
        }
        return "/var/lib/kelvin"
    }
}

extension StateDirectory {
    /// Takes `<state directory>/lock` for the life of a run; hold the result until the run ends.
    ///
    /// Another kelvin on the same directory ends this one with exit 75 (EX_TEMPFAIL: systemd's
    /// `Restart=` tries again, and it starts once the other has gone). A directory where the
    /// lock cannot be made at all is said as a warning and the run goes on: its spool cannot be
    /// opened either and readings are kept in memory, which beats not sampling.
    /// - Throws: `Fatal` (75) naming the directory and the holder's process ID.
    static func lock(_ options: RunOptions) throws(Fatal) -> StateDirectoryLock? {
        do {
            return try StateDirectoryLock.acquire(stateDirectory: path(options))
        } catch {
            if case .held = error { throw Fatal(message: error.description, exitCode: .temporaryFailure) }
            Log.warning(error.description)
            return nil
        }
    }
}
