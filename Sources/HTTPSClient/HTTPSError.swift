import HTTP1
import Platform

/// A request that did not get a response, and why.
public enum HTTPSError: Error, Equatable, CustomStringConvertible {
    public enum Phase: Equatable, Sendable {
        case writing, reading
    }

    case connect(ConnectError)
    case proxy(ProxyError)
    case tls(TLSError)
    case timedOut(host: String, Phase)
    case connectionClosed(host: String)
    case io(host: String, reason: String)
    case protocolViolation(host: String, HTTPParseError)
    case encoding(HTTPEncodeError)

    public var description: String {
        switch self {
        case .connect(let error): return error.description
        case .proxy(let error): return error.description
        case .tls(let error): return error.description
        case .timedOut(let host, .writing): return "\(host) stopped accepting the request in time; check the network, or raise --io-timeout"
        case .timedOut(let host, .reading): return "\(host) did not answer in time; check the network, or raise --io-timeout"
        case .connectionClosed(let host): return "\(host) closed the connection before answering"
        case .io(let host, let reason): return "the connection to \(host) failed: \(reason)"
        case .protocolViolation(let host, let error): return "\(host) broke HTTP/1.1: \(error)"
        case .encoding(let error): return error.description
        }
    }

    /// True when a later attempt may succeed without anyone changing anything.
    public var isTransient: Bool {
        switch self {
        // A malformed or cut-off answer is the server's or the path's trouble of the moment.
        case .connect, .timedOut, .connectionClosed, .io, .protocolViolation: return true
        case .proxy(let error): return error.isTransient
        case .tls(.handshakeTimedOut), .tls(.handshakeInterrupted): return true
        case .tls, .encoding: return false
        }
    }
}
