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
