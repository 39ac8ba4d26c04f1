import CPosix

/// Opens TCP connections with a bound on the time it may take.
public enum TCPConnector {
    /// Resolves `host` and connects to the first address that answers, within `timeoutMilliseconds`.
    /// The socket is non-blocking with TCP_NODELAY set.
    /// The corresponding C functions are `getaddrinfo`, `socket`, `connect` and `poll`.
    /// - Throws: `ConnectError.resolution` when the name does not resolve, `.refused`/`.timedOut`/`.failed`.
    public static func connect(host: String, port: UInt16, timeoutMilliseconds: Int64) throws(ConnectError) -> FileDescriptor {
        var resolutionError: Int32 = 0
        let result = cposix_connect_tcp(host, port, Int32(clamping: timeoutMilliseconds), &resolutionError)
        if resolutionError != 0 {
            let text = cposix_resolution_error_text(resolutionError).map { String(cString: $0) } ?? "unknown error"
            throw .resolution(host: host, reason: text)
        }
        guard result >= 0 else {
            let error = Errno(rawValue: -result)
            switch error {
            case .connectionRefused: throw .refused(host: host, port: port)
            case .timedOut: throw .timedOut(host: host, port: port)
            default: throw .failed(host: host, port: port, error)
            }
        }
        return FileDescriptor(rawValue: result)
    }
}

public enum ConnectError: Error, Equatable, CustomStringConvertible {
    case resolution(host: String, reason: String)
    case refused(host: String, port: UInt16)
    case timedOut(host: String, port: UInt16)
    case failed(host: String, port: UInt16, Errno)

    public var description: String {
        switch self {
        case .resolution(let host, let reason):
            return "cannot resolve \(host): \(reason); check the host name and the network's DNS"
        case .refused(let host, let port):
            return "\(host):\(port) refused the connection; is the service running on that port?"
        case .timedOut(let host, let port):
            return "\(host):\(port) did not answer in time; check the network and any firewall"
        case .failed(let host, let port, let error):
            return "cannot connect to \(host):\(port): \(error)"
        }
    }
}
