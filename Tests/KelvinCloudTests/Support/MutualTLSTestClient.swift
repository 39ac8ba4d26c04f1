import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS

/// One HTTP/1.1 request as a simulated device sends it.
struct TestHTTPRequest: Sendable {
    var method: HTTPMethod
    /// Path and query, e.g. `/devices/d1/messages/events?api-version=2020-03-13`.
    var target: String
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
}

/// A complete response: head plus de-chunked body.
struct TestHTTPResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    func jsonObject() throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw MutualTLSTestClientError.notJSONObject(bodyText)
        }
        return object
    }
}

enum MutualTLSTestClientError: Error, CustomStringConvertible {
    /// The handshake or the response did not arrive in time; the connection was closed.
    case timedOut(TimeAmount)
    /// The server closed the connection before the handshake finished or the response ended.
    case connectionClosed
    /// A request was written while another was still waiting for its response.
    case requestAlreadyInFlight
    case notJSONObject(String)

    var description: String {
        switch self {
        case .timedOut(let amount): "timed out after \(amount.nanoseconds / 1_000_000) ms"
        case .connectionClosed: "connection closed by the server"
        case .requestAlreadyInFlight: "request written while another was in flight"
        case .notJSONObject(let body): "body is not a JSON object: \(body.prefix(200))"
        }
    }
}

/// A mutual-TLS HTTP/1.1 client for tests: one device identity, one server, and keep-alive
/// connections on which requests go one at a time, each bounded by ``requestTimeout``.
struct MutualTLSTestClient: Sendable {
    /// Presents the device's certificate and trusts only the server CA.
    let tlsContext: NIOSSLContext
    let group: any EventLoopGroup
    let host: String
    /// Name the server certificate must carry; also what the `Host` header says.
    let serverHostname: String
    let requestTimeout: TimeAmount

    /// - Throws: an `NIOSSLError` if the key does not fit the certificate.
    init(
        certificate: NIOSSLCertificate,
        privateKey: NIOSSLPrivateKey,
        trusting serverCA: [NIOSSLCertificate],
        group: any EventLoopGroup,
        host: String = "127.0.0.1",
        serverHostname: String = "localhost",
        requestTimeout: TimeAmount = .seconds(10)
    ) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateChain = [.certificate(certificate)]
        configuration.privateKey = .privateKey(privateKey)
        configuration.trustRoots = .certificates(serverCA)
        self.tlsContext = try NIOSSLContext(configuration: configuration)
        self.group = group
        self.host = host
        self.serverHostname = serverHostname
        self.requestTimeout = requestTimeout
    }

    /// Opens a connection and returns once the TLS handshake has completed, so a rejected
    /// certificate shows up here rather than on the first request.
    ///
    /// - Throws: ``MutualTLSTestClientError/timedOut(_:)``, ``MutualTLSTestClientError/connectionClosed``,
    ///   or the socket or TLS error that ended the attempt.
    func connect(port: Int) async throws -> MutualTLSTestConnection {
        let eventLoop = group.next()
        let handshake = eventLoop.makePromise(of: Void.self)
        let timeout = requestTimeout
        let tlsContext = self.tlsContext
        let serverHostname = self.serverHostname
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname))
                    try pipeline.addHandler(HandshakeObserver(completion: handshake, timeout: timeout))
                    try pipeline.addHandler(HTTPRequestEncoder())
                    try pipeline.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)))
                    try pipeline.addHandler(ExchangeHandler(timeout: timeout))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            handshake.fail(error)
            throw error
        }
        do {
            try await handshake.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return MutualTLSTestConnection(channel: channel, authority: "\(serverHostname):\(port)")
    }
}

/// One open keep-alive connection. Not for concurrent use: send the next request after the
/// previous response has arrived, as a device does.
struct MutualTLSTestConnection: Sendable {
    fileprivate let channel: Channel
    /// The `Host` header value.
    let authority: String

    /// - Throws: ``MutualTLSTestClientError/timedOut(_:)`` (the connection is then closed),
    ///   ``MutualTLSTestClientError/connectionClosed``, or a TLS or HTTP parsing error.
    func send(_ request: TestHTTPRequest) async throws -> TestHTTPResponse {
        var headers = HTTPHeaders([("Host", authority)])
        for header in request.headers {
            headers.add(name: header.name, value: header.value)
        }
        if !request.body.isEmpty {
            headers.add(name: "Content-Length", value: String(request.body.count))
        }
        let head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.target, headers: headers)
        let response = channel.eventLoop.makePromise(of: TestHTTPResponse.self)
        let exchange = Exchange(head: head, body: ByteBuffer(bytes: request.body), response: response)
        channel.writeAndFlush(exchange).cascadeFailure(to: response)
        return try await response.futureResult.get()
    }

    /// Closes the connection; closing one the server already closed is not an error.
    func close() async {
        try? await channel.close()
    }
}

/// A request travelling down the pipeline together with the promise for its response.
private struct Exchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var response: EventLoopPromise<TestHTTPResponse>
}

/// Completes `completion` when the TLS handshake finishes, and fails it on an error, on the
/// connection closing first, or after `timeout`.
private final class HandshakeObserver: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let completion: EventLoopPromise<Void>
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(completion: EventLoopPromise<Void>, timeout: TimeAmount) {
        self.completion = completion
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let completion = self.completion
        let timeout = self.timeout
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) {
            completion.fail(MutualTLSTestClientError.timedOut(timeout))
            channel.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            timer?.cancel()
            completion.succeed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        timer?.cancel()
        completion.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        completion.fail(MutualTLSTestClientError.connectionClosed)
        context.fireChannelInactive()
    }
}

/// Writes one request at a time and completes its promise with the response that follows, or
/// with the error, close or timeout that came first; a timeout closes the connection.
private final class ExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Exchange
    typealias OutboundOut = HTTPClientRequestPart

    private struct Awaiting {
        var response: EventLoopPromise<TestHTTPResponse>
        var timer: Scheduled<Void>
        var head: HTTPResponseHead?
        var body: [UInt8] = []
    }

    private let timeout: TimeAmount
    private var awaiting: Awaiting?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        guard awaiting == nil else {
            exchange.response.fail(MutualTLSTestClientError.requestAlreadyInFlight)
            promise?.fail(MutualTLSTestClientError.requestAlreadyInFlight)
            return
        }
        let timeout = self.timeout
        let channel = context.channel
        let timer = context.eventLoop.scheduleTask(in: timeout) {
            exchange.response.fail(MutualTLSTestClientError.timedOut(timeout))
            channel.close(promise: nil)
        }
        awaiting = Awaiting(response: exchange.response, timer: timer)
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if exchange.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(exchange.body))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            awaiting?.head = head
        case .body(let chunk):
            awaiting?.body.append(contentsOf: chunk.readableBytesView)
        case .end:
            guard let finished = awaiting, let head = finished.head else { return }
            awaiting = nil
            finished.timer.cancel()
            finished.response.succeed(
                TestHTTPResponse(status: Int(head.status.code), headers: head.headers, body: finished.body)
            )
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(MutualTLSTestClientError.connectionClosed)
        context.fireChannelInactive()
    }

    private func fail(_ error: Error) {
        guard let failed = awaiting else { return }
        awaiting = nil
        failed.timer.cancel()
        failed.response.fail(error)
    }
}
