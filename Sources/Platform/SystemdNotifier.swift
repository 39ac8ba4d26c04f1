import CPosix

/// sd_notify(3) without libsystemd: one AF_UNIX datagram per state to the socket systemd names
/// in `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket).
public struct SystemdNotifier: Sendable {
    public let socketPath: String

    /// The notifier for `$NOTIFY_SOCKET`, or nil when the process does not run under systemd
    /// with `Type=notify` (the variable is unset or empty).
    public static func fromEnvironment() -> SystemdNotifier? {
        guard let path = Environment.value("NOTIFY_SOCKET"), !path.isEmpty else { return nil }
        return SystemdNotifier(socketPath: path)
    }

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// Sends `state` (e.g. `READY=1`) as one datagram. The corresponding C function is `sendto`.
    /// - Throws: the `Errno` of `socket` or `sendto`: ENOENT or ECONNREFUSED when nothing
    ///   listens at the path, ENAMETOOLONG when the path does not fit a socket address.
    public func send(_ state: String) throws(Errno) {
        var bytes = Array(state.utf8)
        let result = bytes.withUnsafeMutableBytes { buffer in
            cposix_send_datagram_unix(socketPath, buffer.baseAddress, buffer.count)
        }
        _ = try Errno.check(result)
    }
}
