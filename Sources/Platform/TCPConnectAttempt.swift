import CPosix

/// A TCP connection being made without blocking: start it, poll ``socket`` for writing, then ask
/// ``isConnected()`` how it went. The socket is non-blocking, close-on-exec, with TCP_NODELAY.
public struct TCPConnectAttempt: Sendable {
    public let socket: FileDescriptor
    public let address: SocketAddress
    /// True when the connection was made at once (as loopback can be).
    public let completedAtOnce: Bool

    /// Opens a socket and starts connecting it to `address`. The corresponding C functions are
    /// `socket`, `setsockopt(TCP_NODELAY)` and `connect`.
    /// - Throws: the `Errno` of a connect that failed at once (ENETUNREACH, ECONNREFUSED), or of
    ///   `socket` (EMFILE); the socket is closed then.
    public init(to address: SocketAddress) throws(Errno) {
        var raw = address.raw
        var inProgress: Int32 = 0
        let descriptor = try Errno.check(cposix_connect_start(&raw, &inProgress))
        socket = FileDescriptor(rawValue: descriptor)
        self.address = address
        completedAtOnce = inProgress == 0
    }

    /// True once the connection is made, false while it is still being made. Never blocks.
    /// The corresponding C functions are `poll` (no wait) and `getsockopt(SO_ERROR)`.
    /// - Throws: the connection's `Errno` (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH); the socket
    ///   stays open for the caller to close.
    public func isConnected() throws(Errno) -> Bool {
        if completedAtOnce { return true }
        let result = cposix_connect_result(socket.rawValue)
        if result == -Errno.inProgress.rawValue { return false }
        _ = try Errno.check(result)
        return true
    }
}

public enum ConnectError: Error, Equatable, CustomStringConvertible {
    case resolution(host: String, reason: String)
    /// The name lookup did not finish by the connect deadline: no DNS server answered.
    case resolutionTimedOut(host: String)
    case refused(host: String, port: UInt16)
    case timedOut(host: String, port: UInt16)
    case failed(host: String, port: UInt16, Errno)

    /// The case for a connect to `host`:`port` that failed with `error`.
    public static func from(_ error: Errno, host: String, port: UInt16) -> ConnectError {
        switch error {
        case .connectionRefused: return .refused(host: host, port: port)
        case .timedOut: return .timedOut(host: host, port: port)
        default: return .failed(host: host, port: port, error)
        }
    }

    public var description: String {
        switch self {
        case .resolution(let host, let reason):
            return "cannot resolve \(host): \(reason); check the host name and the network's DNS"
        case .resolutionTimedOut(let host):
            return "looking up \(host) took too long: no DNS server answered in time; check the DNS servers in /etc/resolv.conf, or raise --connect-timeout"
        case .refused(let host, let port):
            return "\(host):\(port) refused the connection; is the service running on that port?"
        case .timedOut(let host, let port):
            return "\(host):\(port) did not answer in time; check the network and any firewall"
        case .failed(let host, let port, let error):
            return "cannot connect to \(host):\(port): \(error)"
        }
    }
}
