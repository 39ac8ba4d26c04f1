import HTTP1
import Platform
import Wire

/// The `CONNECT` exchange that turns a connection to an HTTP proxy into a tunnel to the server,
/// a step at a time over a non-blocking socket: it writes what the socket takes, reads what the
/// proxy answered, and otherwise says which way it is blocked.
struct ProxyTunnel {
    enum Progress: Equatable {
        /// The tunnel is open: the socket's next byte is the server's.
        case established
        case blocked(forWriting: Bool)
    }

    let proxy: HTTPProxy
    private let host: String
    private let port: UInt16
    private var request: ByteWriter
    private var sent = 0
    private var reader = ConnectResponseReader()

    /// Prepares `CONNECT host:port` for `proxy`.
    /// - Throws: `.encoding` for a host or credentials that would break the request's framing.
    init(to host: String, port: UInt16, via proxy: HTTPProxy) throws(HTTPSError) {
        self.proxy = proxy
        self.host = host
        self.port = port
        request = ByteWriter(capacity: 1024)
        do {
            try ProxyConnect.encodeRequest(host: host, port: port, authorization: proxy.authorization, into: &request)
        } catch {
            throw .encoding(error)
        }
    }

    /// What a proxy that let the deadline pass without answering is.
    var timedOut: HTTPSError { .proxy(.timedOut(proxy: proxy.address, source: proxy.source)) }

    /// Writes the rest of the request, then reads the answer as far as the socket allows.
    /// - Throws: `.proxy` with the `ProxyError` saying what the proxy did.
    mutating func advance(over socket: FileDescriptor) throws(HTTPSError) -> Progress {
        while sent < request.count {
            let result: Result<Int, Errno> = request.bytes.withUnsafeBytes { bytes in
                do throws(Errno) {
                    return .success(try socket.write(UnsafeRawBufferPointer(rebasing: bytes[sent...])))
                } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .success(let count): sent += count
            case .failure(.wouldBlock): return .blocked(forWriting: true)
            case .failure(let error): throw .proxy(.io(proxy: proxy.address, source: proxy.source, reason: error.description))
            }
        }

        var chunk: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        while true {
            let length = reader.nextReadLength
            let result: Result<Int, Errno> = withUnsafeMutableBytes(of: &chunk) { buffer in
                do throws(Errno) {
                    return .success(try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])))
                } catch {
                    return .failure(error)
                }
            }
            let count: Int
            switch result {
            case .success(let read): count = read
            case .failure(.wouldBlock): return .blocked(forWriting: false)
            case .failure(let error): throw .proxy(.io(proxy: proxy.address, source: proxy.source, reason: error.description))
            }
            let outcome: Result<ConnectResponseReader.Outcome, HTTPParseError> = withUnsafeBytes(of: &chunk) { buffer in
                do throws(HTTPParseError) {
                    if count == 0 { throw reader.endOfStreamError }
                    return .success(try reader.receive(buffer[0..<count]))
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case .success(.needMoreData):
                continue
            case .success(.established):
                return .established
            case .success(.refused(let status, let reason)):
                let target = ProxyConnect.authority(host: host, port: port)
                throw .proxy(.refused(proxy: proxy.address, source: proxy.source, target: target, status: status, reason: reason, sentCredentials: proxy.authorization != nil))
            case .failure(.closedBeforeResponse), .failure(.truncated):
                throw .proxy(.closed(proxy: proxy.address, source: proxy.source))
            case .failure(let error):
                throw .proxy(.malformedAnswer(proxy: proxy.address, source: proxy.source, error))
            }
        }
    }
}

/// What went wrong opening a tunnel through the proxy; each case names the proxy (never its
/// credentials) and where its URL came from, so the line says what to fix.
public enum ProxyError: Error, Equatable, CustomStringConvertible {
    case unreachable(proxy: String, source: String, ConnectError)
    case timedOut(proxy: String, source: String)
    case io(proxy: String, source: String, reason: String)
    /// The proxy closed the connection before a whole answer to CONNECT.
    case closed(proxy: String, source: String)
    /// The answer to CONNECT was not an HTTP response head: probably not an HTTP proxy.
    case malformedAnswer(proxy: String, source: String, HTTPParseError)
    case refused(proxy: String, source: String, target: String, status: Int, reason: String, sentCredentials: Bool)

    public var description: String {
        switch self {
        case .unreachable(let proxy, let source, let error):
            return "cannot reach the proxy \(proxy) from \(source): \(error)"
        case .timedOut(let proxy, let source):
            return "the proxy \(proxy) from \(source) did not answer CONNECT in time; check the proxy, or raise --connect-timeout"
        case .closed(let proxy, let source):
            return "the proxy \(proxy) from \(source) closed the connection without answering CONNECT; is it an HTTP proxy?"
        case .io(let proxy, let source, let reason):
            return "the connection to the proxy \(proxy) from \(source) failed: \(reason)"
        case .malformedAnswer(let proxy, let source, let error):
            return "the proxy \(proxy) from \(source) did not answer CONNECT in HTTP (\(error)); is \(source) pointing at an HTTP proxy?"
        case .refused(let proxy, let source, let target, let status, let reason, let sentCredentials):
            let answer = reason.isEmpty ? ASCII.decimalString(status) : ASCII.decimalString(status) + " " + reason
            if status == 407 {
                return sentCredentials
                    ? "the proxy \(proxy) rejected the credentials in \(source) (\(answer)); check the user and password"
                    : "the proxy \(proxy) requires authentication (\(answer)); put user:password in \(source): http://user:password@host:port"
            }
            if status >= 500 || status == 408 || status == 429 {
                return "the proxy \(proxy) from \(source) could not open a tunnel to \(target) (\(answer)); it may be overloaded or unable to reach the server"
            }
            return "the proxy \(proxy) from \(source) refused to tunnel to \(target) (\(answer)); have it allow CONNECT to that host, or list the host in no_proxy"
        }
    }

    /// True when a later attempt may succeed without anyone changing anything: the proxy was
    /// down, slow, or could not reach the server; not when it refused or is not a proxy.
    public var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut, .closed, .io: return true
        case .malformedAnswer: return false
        case .refused(_, _, _, let status, _, _): return status >= 500 || status == 408 || status == 429
        }
    }
}
