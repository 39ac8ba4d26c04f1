/// Why a ``CloudServer`` could not start or stop.
public enum CloudServerError: Error, Sendable, CustomStringConvertible {
    case alreadyStarted
    /// Binding a listener failed, typically because the port is in use.
    case cannotListen(service: String, host: String, port: Int, reason: String)
    case shutdownFailed(reason: String)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .alreadyStarted:
            return "the server is already running"
        case .cannotListen(let service, let host, let port, let reason):
            return "cannot listen for \(service) on \(host):\(port): \(reason)"
        case .shutdownFailed(let reason):
            return "shutdown failed: \(reason)"
        case .invalidConfiguration(let problem):
            return "invalid configuration: \(problem)"
        }
    }
}
