import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Collects HTTP requests, hands them one at a time to the service logic and writes each
/// response as bytes, keeping the connection open for the next request unless the client asked
/// to close. Faults (delays, early closes, stalls, garbage, trickled answers) are carried out here.
final class HTTPExchangeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    private struct PendingRequest {
        var head: HTTPRequestHead
        var body: [UInt8] = []
        var exceededLimit = false
    }

    private let serviceName: String
    /// `nil` on the plain-HTTP admin listener.
    private let peer: ConnectionPeer?
    private let chains: PresentedChains
    private let maximumBodyBytes: Int
    private let plan: @Sendable (CloudRequest) -> ResponsePlan
    private let log: @Sendable (String) -> Void
    private var receiving: PendingRequest?
    /// Complete requests not yet answered; clients rarely pipeline, but answers must stay in order.
    private var queued: [PendingRequest] = []
    private var isAnswering = false
    /// Set when the connection is cut (``OpenConnections/closeAll(service:)``): a request that
    /// arrives while TLS says goodbye is dropped, as one sent into a network that just went away.
    private var isCut = false

    init(
        serviceName: String,
        peer: ConnectionPeer?,
        chains: PresentedChains,
        maximumBodyBytes: Int,
        log: @escaping @Sendable (String) -> Void,
        plan: @escaping @Sendable (CloudRequest) -> ResponsePlan
    ) {
        self.serviceName = serviceName
        self.peer = peer
        self.chains = chains
        self.maximumBodyBytes = maximumBodyBytes
        self.log = log
        self.plan = plan
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            receiving = PendingRequest(head: head)
        case .body(let chunk):
            guard var request = receiving else { return }
            // Keep reading past the limit without buffering, so the client gets a clean 413
            // instead of a reset connection.
            if request.body.count + chunk.readableBytes > maximumBodyBytes {
                request.exceededLimit = true
            } else {
                request.body.append(contentsOf: chunk.readableBytesView)
            }
            receiving = request
        case .end:
            guard let request = receiving, !isCut else { return }
            receiving = nil
            queued.append(request)
            answerNext(context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        defer { context.close(promise: nil) }
        // A client that drops the connection without close_notify has finished its business.
        if let tlsError = error as? NIOSSLError, case .uncleanShutdown = tlsError {
            return
        }
        if error is HTTPParserError {
            let badRequest = CloudResponse(status: 400, headers: [], body: Array("Malformed HTTP request\n".utf8))
            write(ResponseSerializer.serialize(badRequest, date: WireTime.httpDate(Date()), keepAlive: false).bytes, context: context)
            context.flush()
        }
        let client = context.channel.clientDescription
        var detail = String(describing: error)
        // BoringSSL's reason for the one failure users cause most often is not self-explanatory.
        if detail.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") {
            detail = "TLS handshake failed: the client presented no certificate"
        }
        log("\(serviceName): connection from \(client) failed: \(detail)")
    }

    private func answerNext(context: ChannelHandlerContext) {
        guard !isAnswering, !queued.isEmpty, context.channel.isActive else { return }
        isAnswering = true
        let request = queued.removeFirst()
        let keepAlive = request.head.isKeepAlive
        switch plan(cloudRequest(from: request, context: context)) {
        case .respond(let response, let delaySeconds):
            let bytes = ResponseSerializer.serialize(response, date: WireTime.httpDate(Date()), keepAlive: keepAlive).bytes
            after(seconds: delaySeconds, context: context) { handler, context in
                handler.write(bytes, context: context)
                context.flush()
                handler.finishAnswer(keepAlive: keepAlive, context: context)
            }
        case .close:
            context.close(promise: nil)
        case .stall:
            break
        case .garbage:
            write(ResponseSerializer.garbage, context: context)
            flushThenClose(context: context)
        case .cutMidBody(let response):
            let serialized = ResponseSerializer.serialize(response, date: WireTime.httpDate(Date()), keepAlive: keepAlive)
            let bodyLength = serialized.bytes.count - serialized.headLength
            // A bodiless response (the hub's 204) is cut inside its status line instead: clients
            // such as curl take a head cut between header lines for a complete 204, hiding the fault.
            let statusLineLength = serialized.bytes.firstIndex(of: UInt8(ascii: "\r")) ?? serialized.headLength
            let cut = bodyLength > 1 ? serialized.headLength + bodyLength / 2 : statusLineLength / 2
            write(Array(serialized.bytes[..<cut]), context: context)
            flushThenClose(context: context)
        case .drip(let response, let bytesPerWrite, let intervalSeconds):
            let bytes = ResponseSerializer.serialize(response, date: WireTime.httpDate(Date()), keepAlive: keepAlive).bytes
            drip(bytes[...], bytesPerWrite: max(1, bytesPerWrite), intervalSeconds: intervalSeconds, keepAlive: keepAlive, context: context)
        }
    }

    /// Answers and processes nothing more on this connection; in-flight answers stop too.
    func cut() {
        isCut = true
        queued.removeAll()
    }

    private func drip(
        _ remaining: ArraySlice<UInt8>,
        bytesPerWrite: Int,
        intervalSeconds: Double,
        keepAlive: Bool,
        context: ChannelHandlerContext
    ) {
        guard !remaining.isEmpty else {
            finishAnswer(keepAlive: keepAlive, context: context)
            return
        }
        write(Array(remaining.prefix(bytesPerWrite)), context: context)
        context.flush()
        let rest = remaining.dropFirst(bytesPerWrite)
        after(seconds: rest.isEmpty ? 0 : intervalSeconds, context: context) { handler, context in
            handler.drip(rest, bytesPerWrite: bytesPerWrite, intervalSeconds: intervalSeconds, keepAlive: keepAlive, context: context)
        }
    }

    private func flushThenClose(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    private func finishAnswer(keepAlive: Bool, context: ChannelHandlerContext) {
        isAnswering = false
        if keepAlive {
            answerNext(context: context)
        } else {
            context.close(promise: nil)
        }
    }

    /// Runs `body` on the event loop after `seconds` (at once for 0), unless the connection closed.
    private func after(
        seconds: Double,
        context: ChannelHandlerContext,
        _ body: @escaping (HTTPExchangeHandler, ChannelHandlerContext) -> Void
    ) {
        guard seconds > 0 else {
            body(self, context)
            return
        }
        let bound = NIOLoopBound((self, context, body), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
            let (handler, context, body) = bound.value
            guard context.channel.isActive else { return }
            body(handler, context)
        }
    }

    private func write(_ bytes: [UInt8], context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    private func cloudRequest(from request: PendingRequest, context: ChannelHandlerContext) -> CloudRequest {
        let localPort = context.channel.localAddress?.port ?? 443
        peer?.recoverFromResumedSession(context.channel, chains: chains)
        return CloudRequest(
            method: request.head.method.rawValue,
            target: request.head.uri,
            headers: request.head.headers.map { HTTPHeaderField(name: $0.name, value: $0.value) },
            body: request.body,
            bodyExceededLimit: request.exceededLimit,
            clientCertificate: peer?.certificate,
            clientChain: peer?.chain ?? [],
            authority: request.head.headers.first(name: "Host") ?? "localhost:\(localPort)"
        )
    }
}
