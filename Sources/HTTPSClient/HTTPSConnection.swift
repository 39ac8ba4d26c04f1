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
    private var step: Step = .idle
    /// Whether the request in progress went out on a connection kept from an earlier one: only
    /// then may a close before any answer be the server dropping an idle connection.
    private var requestReused = false

    /// How many TCP+TLS connections were opened: a measure of keep-alive working.
    public private(set) var connectionsOpened = 0
    /// How many of those resumed an earlier TLS session: a measure of resumption working.
    public private(set) var connectionsResumed = 0

    /// Where the exchange in progress stands. Deadlines are monotonic milliseconds.
    private enum Step {
        /// No exchange in progress. Valid transitions: resolving, writing (kept-alive connection).
        case idle
        /// Looking up the server's (or the proxy's) name by the connect deadline.
        /// Valid transitions: connecting, idle (failed).
        case resolving(NameResolution, deadline: Int64)
        /// Connecting to `addresses[index]` by `attemptDeadline`, a fair share of what is left
        /// before `deadline` so that one black-holed address cannot use up the time the next
        /// would have answered in. Valid transitions: connecting (the next address), tunnelling,
        /// handshaking, idle (failed).
        case connecting(TCPConnectAttempt, addresses: [SocketAddress], index: Int, attemptDeadline: Int64, deadline: Int64)
        /// Asking the proxy for a tunnel by the connect deadline. Valid transitions: handshaking,
        /// idle (failed).
        case tunnelling(FileDescriptor, ProxyTunnel, deadline: Int64)
        /// Valid transitions: writing, idle (failed).
        case handshaking(TLSStream, deadline: Int64)
        /// `offset` bytes of the request are out; the whole request must be by `deadline`, an io
        /// timeout after the writing began. Valid transitions: reading, resolving (resent once
        /// on a fresh connection), idle (failed).
        case writing(TLSStream, offset: Int, deadline: Int64)
        /// The whole response must be in by `deadline`, an io timeout after the request went out:
        /// a server trickling a byte now and then cannot hold the exchange open for ever.
        /// Valid transitions: idle (answered or failed), resolving (resent once on a fresh connection).
        case reading(TLSStream, deadline: Int64)
    }

    /// What one step of the machine came to.
    private enum StepOutcome {
        /// The state changed; take the next step now.
        case next
        case wait(ExchangeWait)
        case answered(HTTPResponse)
    }

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

    /// Sends one request and waits for its response: the non-blocking exchange (``begin(_:nowMilliseconds:)``)
    /// driven by a poll loop of its own, so that blocking callers and the event loop share one path.
    ///
    /// A reused connection the server closed while idle is reopened and the request sent again
    /// once — only when no byte of a response had arrived, so nothing is ever sent twice to a
    /// server that started answering.
    public func send<Request: HTTPRequestSource>(_ request: Request) throws(HTTPSError) -> HTTPResponse {
        let clock = MonotonicClock()
        var progress = begin(request, nowMilliseconds: clock.nowMilliseconds)
        var poller = Poller()
        while true {
            switch progress {
            case .completed(let response):
                return response
            case .failed(let error):
                throw error
            case .waiting(let wait):
                poller.removeAll()
                poller.watch(wait.descriptor, forWriting: wait.forWriting)
                // A failed poll (ENOMEM) is not the exchange's failure: resuming finds the
                // descriptor not ready, and the deadline still ends the wait.
                _ = try? poller.wait(timeoutMilliseconds: max(0, wait.deadlineMilliseconds - clock.nowMilliseconds))
                progress = resume(nowMilliseconds: clock.nowMilliseconds)
            }
        }
    }

    /// Starts sending `request`: on the kept-alive connection when there is one, otherwise
    /// resolving, connecting (through the proxy) and handshaking first. Never blocks. An exchange
    /// still in progress is abandoned first, as ``cancel()`` does.
    public func begin<Request: HTTPRequestSource>(_ request: Request, nowMilliseconds now: Int64) -> ExchangeProgress<HTTPSError> {
        if !isIdle { cancel() }
        do {
            try HTTPRequestEncoder.encode(request, host: hostHeader, bodyScratch: &bodyBuffer, into: &requestBuffer)
        } catch {
            return .failed(.encoding(error))
        }
        if let stream, keptConnectionIsQuiet(stream) {
            requestReused = true
            parser.expectResponse()
            step = .writing(stream, offset: 0, deadline: now + timeouts.ioMilliseconds)
        } else {
            close()
            requestReused = false
            do {
                try startOpening(now)
            } catch {
                return .failed(error)
            }
        }
        return advance(now)
    }

    /// Goes on with the exchange in progress once its descriptor is ready or its deadline passed
    /// (an early call just answers the same wait). Never blocks.
    public func resume(nowMilliseconds now: Int64) -> ExchangeProgress<HTTPSError> {
        precondition(!isIdle, "resume(nowMilliseconds:) without an exchange in progress")
        return advance(now)
    }

    /// Abandons the exchange in progress and closes the connection: a request cut off midway
    /// leaves the connection's framing unknown. Does nothing when none is in progress.
    public func cancel() {
        guard !isIdle else { return }
        close()
    }

    /// Drops the connection (and any exchange in progress), keeping its TLS session for the next one.
    public func close() {
        abandonStep()
        if let offered = stream?.takeSession() { session = offered }
        stream = nil
        parser = HTTPResponseParser(limits: parser.limits)
    }

    /// True when no exchange is in progress.
    public var isIdle: Bool {
        if case .idle = step { return true }
        return false
    }

    /// Whether the kept-alive connection has said nothing since its last answer, looked at
    /// without waiting before a request goes out on it. Bytes now would be an answer to no
    /// request, and reading them as the answer to this one is how a response gets attributed to
    /// the wrong request; a close now is the server having let the connection go. Either way a
    /// fresh connection is opened, which is safe: nothing has been sent yet. A read that only
    /// finds TLS records (a TLS 1.3 session ticket) is quiet.
    private func keptConnectionIsQuiet(_ stream: TLSStream) -> Bool {
        guard parser.bytesPastResponse == 0 else { return false }
        let probe: Result<TLSProgress, HTTPSError> = receiveBuffer.withUnsafeMutableBytes { buffer in
            do throws(HTTPSError) {
                return .success(try stream.read(into: buffer))
            } catch {
                return .failure(error)
            }
        }
        guard case .success(.blocked) = probe else { return false }
        return true
    }

    private func abandonStep() {
        switch step {
        case .connecting(let attempt, _, _, _, _): attempt.socket.close()
        case .tunnelling(let socket, _, _): socket.close()
        case .idle, .resolving, .handshaking, .writing, .reading: break
        }
        step = .idle
    }

    private func advance(_ now: Int64) -> ExchangeProgress<HTTPSError> {
        while true {
            let outcome: StepOutcome
            do {
                outcome = try takeStep(now)
            } catch {
                return fail(error, now)
            }
            switch outcome {
            case .next: continue
            case .wait(let wait): return .waiting(wait)
            case .answered(let response):
                step = .idle
                // Bytes past a complete response were asked for by no request: the peer is out
                // of step (or lying about lengths), and they must never be read as the next
                // answer. The response itself was whole; the connection is not kept.
                if !response.keepAlive || parser.bytesPastResponse > 0 { close() }
                return .completed(response)
            }
        }
    }

    /// Ends the exchange with `error` — or, when a reused connection turns out to have been
    /// dropped by the server before any answer, sends the request again once on a fresh one.
    private func fail(_ error: HTTPSError, _ now: Int64) -> ExchangeProgress<HTTPSError> {
        var duringRequest = false
        switch step {
        case .writing, .reading: duringRequest = true
        default: break
        }
        // Asked before close(), which starts a fresh parser.
        let noAnswerBegan = parser.isIdle
        close()
        guard duringRequest, requestReused, noAnswerBegan, error.mayRetryOnFreshConnection else { return .failed(error) }
        requestReused = false
        do {
            try startOpening(now)
        } catch {
            return .failed(error)
        }
        return advance(now)
    }

    private func takeStep(_ now: Int64) throws(HTTPSError) -> StepOutcome {
        switch step {
        case .idle:
            preconditionFailure("an exchange step with none in progress")
        case .resolving(let resolution, let deadline):
            return try resolve(resolution, deadline: deadline, now)
        case .connecting(let attempt, let addresses, let index, let attemptDeadline, let deadline):
            return try connect(attempt, addresses: addresses, index: index, attemptDeadline: attemptDeadline, deadline: deadline, now)
        case .tunnelling(let socket, let tunnel, let deadline):
            return try openTunnel(socket, tunnel, deadline: deadline, now)
        case .handshaking(let stream, let deadline):
            return try shakeHands(stream, deadline: deadline, now)
        case .writing(let stream, let offset, let deadline):
            return try writeRequest(stream, offset: offset, deadline: deadline, now)
        case .reading(let stream, let deadline):
            return try readResponse(stream, deadline: deadline, now)
        }
    }

    // MARK: - Opening a connection

    /// Where the TCP connection goes: the proxy when there is one, else the server.
    private var connectTarget: (host: String, port: UInt16) {
        if let proxy { return (proxy.host, proxy.port) }
        return (host, port)
    }

    /// A failure to reach the connect target, named as the server's or the proxy's.
    private func unreachable(_ error: ConnectError) -> HTTPSError {
        if let proxy { return .proxy(.unreachable(proxy: proxy.address, source: proxy.source, error)) }
        return .connect(error)
    }

    private func startOpening(_ now: Int64) throws(HTTPSError) {
        let target = connectTarget
        do {
            step = .resolving(try NameResolution(host: target.host, port: target.port), deadline: now + timeouts.connectMilliseconds)
        } catch {
            throw unreachable(.resolution(host: target.host, reason: error.description))
        }
    }

    private func resolve(_ resolution: NameResolution, deadline: Int64, _ now: Int64) throws(HTTPSError) -> StepOutcome {
        switch resolution.outcome {
        case .failed(let reason)?:
            throw unreachable(.resolution(host: resolution.host, reason: reason))
        case .resolved(let addresses)?:
            try startConnecting(addresses, from: 0, deadline: deadline, lastError: nil, now)
            return .next
        case nil:
            if now >= deadline { throw unreachable(.resolutionTimedOut(host: resolution.host)) }
            return .wait(ExchangeWait(descriptor: resolution.descriptor, forWriting: false, deadlineMilliseconds: deadline))
        }
    }

    /// Starts connecting to the first address from `index` on that takes a connect.
    private func startConnecting(_ addresses: [SocketAddress], from index: Int, deadline: Int64, lastError: Errno?, _ now: Int64) throws(HTTPSError) {
        var index = index
        var lastError = lastError
        while index < addresses.count {
            let share = max(1, (deadline - now) / Int64(addresses.count - index))
            do {
                let attempt = try TCPConnectAttempt(to: addresses[index])
                step = .connecting(attempt, addresses: addresses, index: index, attemptDeadline: min(deadline, now + share), deadline: deadline)
                return
            } catch {
                lastError = error
                index += 1
            }
        }
        let target = connectTarget
        guard let lastError else {
            throw unreachable(.resolution(host: target.host, reason: "no IPv4 or IPv6 address"))
        }
        throw unreachable(ConnectError.from(lastError, host: target.host, port: target.port))
    }

    private func connect(_ attempt: TCPConnectAttempt, addresses: [SocketAddress], index: Int, attemptDeadline: Int64, deadline: Int64, _ now: Int64) throws(HTTPSError) -> StepOutcome {
        let connected: Bool
        do {
            connected = try attempt.isConnected()
        } catch {
            return try tryNextAddress(after: attempt, addresses: addresses, index: index, deadline: deadline, failure: error, now)
        }
        if connected {
            try connectionMade(attempt.socket, deadline: deadline, now)
            return .next
        }
        guard now >= attemptDeadline else {
            return .wait(ExchangeWait(descriptor: attempt.socket.rawValue, forWriting: true, deadlineMilliseconds: attemptDeadline))
        }
        return try tryNextAddress(after: attempt, addresses: addresses, index: index, deadline: deadline, failure: .timedOut, now)
    }

    private func tryNextAddress(after attempt: TCPConnectAttempt, addresses: [SocketAddress], index: Int, deadline: Int64, failure: Errno, _ now: Int64) throws(HTTPSError) -> StepOutcome {
        attempt.socket.close()
        step = .idle
        try startConnecting(addresses, from: index + 1, deadline: deadline, lastError: failure, now)
        return .next
    }

    private func connectionMade(_ socket: FileDescriptor, deadline: Int64, _ now: Int64) throws(HTTPSError) {
        guard let proxy else {
            step = .idle
            try startHandshake(socket, now)
            return
        }
        do {
            step = .tunnelling(socket, try ProxyTunnel(to: host, port: port, via: proxy), deadline: deadline)
        } catch {
            socket.close()
            step = .idle
            throw error
        }
    }

    private func openTunnel(_ socket: FileDescriptor, _ tunnel: ProxyTunnel, deadline: Int64, _ now: Int64) throws(HTTPSError) -> StepOutcome {
        var tunnel = tunnel
        let progress = try tunnel.advance(over: socket)
        switch progress {
        case .established:
            step = .idle
            try startHandshake(socket, now)
            return .next
        case .blocked(let forWriting):
            if now >= deadline { throw tunnel.timedOut }
            step = .tunnelling(socket, tunnel, deadline: deadline)
            return .wait(ExchangeWait(descriptor: socket.rawValue, forWriting: forWriting, deadlineMilliseconds: deadline))
        }
    }

    /// Hands `socket` to a TLS stream, which owns it from here on.
    private func startHandshake(_ socket: FileDescriptor, _ now: Int64) throws(HTTPSError) {
        let stream = try TLSStream(context: context, socket: socket, host: host, resuming: session)
        step = .handshaking(stream, deadline: now + timeouts.connectMilliseconds)
    }

    private func shakeHands(_ stream: TLSStream, deadline: Int64, _ now: Int64) throws(HTTPSError) -> StepOutcome {
        switch try stream.handshake() {
        case .done:
            connectionsOpened += 1
            if stream.resumedSession { connectionsResumed += 1 }
            self.stream = stream
            parser.expectResponse()
            step = .writing(stream, offset: 0, deadline: now + timeouts.ioMilliseconds)
            return .next
        case .blocked(let forWriting):
            if now >= deadline { throw .tls(.handshakeTimedOut(host: host)) }
            return .wait(ExchangeWait(descriptor: stream.socket.rawValue, forWriting: forWriting, deadlineMilliseconds: deadline))
        }
    }

    // MARK: - The request and its response

    private func writeRequest(_ stream: TLSStream, offset: Int, deadline: Int64, _ now: Int64) throws(HTTPSError) -> StepOutcome {
        var offset = offset
        while offset < requestBuffer.count {
            let start = offset
            let written: Result<TLSProgress, HTTPSError> = requestBuffer.bytes.withUnsafeBytes { bytes in
                do throws(HTTPSError) {
                    return .success(try stream.write(UnsafeRawBufferPointer(rebasing: bytes[start...])))
                } catch {
                    return .failure(error)
                }
            }
            switch try written.get() {
            case .done(let count):
                offset += count
            case .blocked(let forWriting):
                if now >= deadline { throw .timedOut(host: host, .writing) }
                step = .writing(stream, offset: offset, deadline: deadline)
                return .wait(ExchangeWait(descriptor: stream.socket.rawValue, forWriting: forWriting, deadlineMilliseconds: deadline))
            }
        }
        step = .reading(stream, deadline: now + timeouts.ioMilliseconds)
        return .next
    }

    private func readResponse(_ stream: TLSStream, deadline: Int64, _ now: Int64) throws(HTTPSError) -> StepOutcome {
        while true {
            let read: Result<TLSProgress, HTTPSError> = receiveBuffer.withUnsafeMutableBytes { buffer in
                do throws(HTTPSError) {
                    return .success(try stream.read(into: buffer))
                } catch {
                    return .failure(error)
                }
            }
            let count: Int
            switch try read.get() {
            case .done(let read):
                count = read
            case .blocked(let forWriting):
                if now >= deadline { throw .timedOut(host: host, .reading) }
                step = .reading(stream, deadline: deadline)
                return .wait(ExchangeWait(descriptor: stream.socket.rawValue, forWriting: forWriting, deadlineMilliseconds: deadline))
            }
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
                return .answered(response)
            }
        }
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
