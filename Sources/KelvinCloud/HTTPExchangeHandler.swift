import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Collects one HTTP request at a time, hands it to the service logic and writes the response,
/// keeping the connection open for the next request unless the client asked to close.
final class HTTPExchangeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private struct PendingRequest {
        var head: HTTPRequestHead
        var body: [UInt8] = []
        var exceededLimit = false
    }

    private let serviceName: String
    private let peer: ConnectionPeer
    private let maximumBodyBytes: Int
    private let respond: @Sendable (CloudRequest) -> CloudResponse
    private let log: @Sendable (String) -> Void
    private var pending: PendingRequest?

    init(
        serviceName: String,
        peer: ConnectionPeer,
        maximumBodyBytes: Int,
        log: @escaping @Sendable (String) -> Void,
        respond: @escaping @Sendable (CloudRequest) -> CloudResponse
    ) {
        self.serviceName = serviceName
        self.peer = peer
        self.maximumBodyBytes = maximumBodyBytes
        self.log = log
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            pending = PendingRequest(head: head)
        case .body(let chunk):
            guard var request = pending else { return }
            // Keep reading past the limit without buffering, so the client gets a clean 413
            // instead of a reset connection.
            if request.body.count + chunk.readableBytes > maximumBodyBytes {
                request.exceededLimit = true
            } else {
                request.body.append(contentsOf: chunk.readableBytesView)
            }
            pending = request
        case .end:
            guard let request = pending else { return }
            pending = nil
            let response = respond(cloudRequest(from: request, context: context))
            write(response, keepAlive: request.head.isKeepAlive, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        defer { context.close(promise: nil) }
        // A client that drops the connection without close_notify has finished its business.
        if let tlsError = error as? NIOSSLError, case .uncleanShutdown = tlsError {
            return
        }
        var client = "unknown client"
        if let address = context.channel.remoteAddress, let ip = address.ipAddress, let port = address.port {
            client = "\(ip):\(port)"
        }
        var detail = String(describing: error)
        // BoringSSL's reason for the one failure users cause most often is not self-explanatory.
        if detail.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") {
            detail = "TLS handshake failed: the client presented no certificate"
        }
        log("\(serviceName): connection from \(client) failed: \(detail)")
    }

    private func cloudRequest(from request: PendingRequest, context: ChannelHandlerContext) -> CloudRequest {
        let localPort = context.channel.localAddress?.port ?? 443
        return CloudRequest(
            method: request.head.method.rawValue,
            target: request.head.uri,
            headers: request.head.headers.map { HTTPHeaderField(name: $0.name, value: $0.value) },
            body: request.body,
            bodyExceededLimit: request.exceededLimit,
            clientCertificate: peer.certificate,
            authority: request.head.headers.first(name: "Host") ?? "localhost:\(localPort)"
        )
    }

    private func write(_ response: CloudResponse, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Date", value: WireTime.httpDate(Date()))
        for header in response.headers {
            headers.add(name: header.name, value: header.value)
        }
        switch response.framing {
        case .contentLength:
            headers.add(name: "Content-Length", value: String(response.body.count))
        case .chunked:
            headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        }

        let head = HTTPResponseHead(
            version: .http1_1,
            status: HTTPResponseStatus(statusCode: response.status),
            headers: headers
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            let buffer = context.channel.allocator.buffer(bytes: response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }
}
