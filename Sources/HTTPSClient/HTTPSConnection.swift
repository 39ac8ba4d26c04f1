import HTTP1
import Platform
import Wire

/// One kept-alive HTTPS connection to one host, reconnecting when the server has let it go.
///
/// The request buffer, receive buffer and parser belong to the connection and are reused for
/// every request, so steady-state traffic does not grow the heap.
public final class HTTPSConnection {
    /// The largest request body: IoT Hub's 256 KB message and batch limit (protocol-facts.md
    /// §3.3), so that the largest telemetry batch fits. The buffers grow toward it only when a
    /// request needs it (see `ByteWriter`), so single messages never commit the memory.
    public static let maximumBodyBytes = 256 * 1024
    /// Room for the request line and headers on top of the body.
    public static let maximumHeadBytes = 16 * 1024

    public struct Timeouts: Sendable {
        public var connectMilliseconds: Int64
        public var ioMilliseconds: Int64

        public init(connectMilliseconds: Int64 = 10_000, ioMilliseconds: Int64 = 15_000) {
            self.connectMilliseconds = connectMilliseconds
            self.ioMilliseconds = ioMilliseconds
        }
    }

    public let host: String
    public let port: UInt16
    /// The proxy every connection tunnels through; nil connects directly.
    public let proxy: HTTPProxy?
    private let context: TLSContext
    private let timeouts: Timeouts
    private let hostHeader: String
    private var stream: TLSStream?
    /// Carried from one connection to the next so that a reconnect costs no client signature.
    private var session: TLSSession?
    private var requestBuffer: ByteWriter
    private var bodyBuffer: ByteWriter
    private var receiveBuffer: [UInt8]
    private var parser: HTTPResponseParser

    /// How many TCP+TLS connections were opened: a measure of keep-alive working.
    public private(set) var connectionsOpened = 0
    /// How many of those resumed an earlier TLS session: a measure of resumption working.
    public private(set) var connectionsResumed = 0

    public init(host: String, port: UInt16, proxy: HTTPProxy? = nil, context: TLSContext, timeouts: Timeouts = Timeouts(), limits: HTTPResponseParser.Limits = .init()) {
        self.host = host
        self.port = port
        self.proxy = proxy
        self.context = context
        self.timeouts = timeouts
        hostHeader = HostHeader.value(host: host, port: port)
        requestBuffer = ByteWriter(capacity: Self.maximumHeadBytes + Self.maximumBodyBytes)
        bodyBuffer = ByteWriter(capacity: Self.maximumBodyBytes)
        receiveBuffer = [UInt8](repeating: 0, count: 16 * 1024)
        parser = HTTPResponseParser(limits: limits)
    }

    /// Sends one request and waits for its response.
    ///
    /// A reused connection the server closed while idle is reopened and the request sent again
    /// once — only when no byte of a response had arrived, so nothing is ever sent twice to a
    /// server that started answering.
    public func send<Request: HTTPRequestSource>(_ request: Request) throws(HTTPSError) -> HTTPResponse {
        do {
            try HTTPRequestEncoder.encode(request, host: hostHeader, bodyScratch: &bodyBuffer, into: &requestBuffer)
        } catch {
            throw .encoding(error)
        }
        let reused = stream != nil
        do {
            return try exchange()
        } catch {
            // Asked before close(), which starts a fresh parser.
            let noAnswerBegan = parser.isIdle
            close()
            guard reused, noAnswerBegan, error.mayRetryOnFreshConnection else { throw error }
            return try exchange()
        }
    }

    /// Drops the connection, keeping its TLS session for the next one.
    public func close() {
        if let offered = stream?.takeSession() { session = offered }
        stream = nil
        parser = HTTPResponseParser(limits: parser.limits)
    }

    private func exchange() throws(HTTPSError) -> HTTPResponse {
        let stream = try openStream()
        parser.expectResponse()
        let writeDeadline = Deadline(afterMilliseconds: timeouts.ioMilliseconds)
        let writeFailure: HTTPSError? = requestBuffer.bytes.withUnsafeBytes { bytes -> HTTPSError? in
            do throws(HTTPSError) {
                try stream.write(bytes, deadline: writeDeadline)
                return nil
            } catch {
                return error
            }
        }
        if let writeFailure { throw writeFailure }
        let readDeadline = Deadline(afterMilliseconds: timeouts.ioMilliseconds)
        while true {
            let read: Result<Int, HTTPSError> = receiveBuffer.withUnsafeMutableBytes { buffer in
                do throws(HTTPSError) {
                    return .success(try stream.read(into: buffer, deadline: readDeadline))
                } catch {
                    return .failure(error)
                }
            }
            let count = try read.get()
            let parsed: Result<HTTPResponseParser.Outcome, HTTPParseError>
            if count == 0 {
                do {
                    parsed = .success(try parser.receiveEndOfStream())
                } catch {
                    parsed = .failure(error)
                }
            } else {
                parsed = receiveBuffer.withUnsafeBytes { buffer in
                    do throws(HTTPParseError) {
                        return .success(try parser.receive(UnsafeRawBufferPointer(rebasing: buffer[0..<count])))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            switch parsed {
            case .failure(.closedBeforeResponse):
                throw .connectionClosed(host: host)
            case .failure(let error):
                throw .protocolViolation(host: host, error)
            case .success(.needMoreData):
                continue
            case .success(.complete(let response)):
                if !response.keepAlive { close() }
                return response
            }
        }
    }

    private func openStream() throws(HTTPSError) -> TLSStream {
        if let stream { return stream }
        let opened = try TLSStream(
            context: context, host: host, port: port, proxy: proxy,
            connectTimeoutMilliseconds: timeouts.connectMilliseconds, resuming: session
        )
        connectionsOpened += 1
        if opened.resumedSession { connectionsResumed += 1 }
        stream = opened
        return opened
    }
}

extension HTTPSError {
    /// An idle keep-alive connection the server dropped shows up as a close or reset before
    /// any response byte.
    var mayRetryOnFreshConnection: Bool {
        switch self {
        case .connectionClosed, .io: return true
        default: return false
        }
    }
}
