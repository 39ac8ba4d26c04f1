import Foundation
import NIOCore

/// What a captive portal does to a device's HTTPS connection (``HubTLSMode/plainHTTP``): it
/// answers the first bytes, whatever they are (here a TLS ClientHello), with a plain-HTTP redirect
/// to its login page, and closes.
final class CaptivePortalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// `.invalid` (RFC 2606): nothing a test follows the redirect to can exist.
    static let loginPage = "http://portal.kelvin-cloud.invalid/login"

    private let serviceName: String
    private let log: @Sendable (String) -> Void
    private var hasAnswered = false

    init(serviceName: String, log: @escaping @Sendable (String) -> Void) {
        self.serviceName = serviceName
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !hasAnswered else { return }
        hasAnswered = true
        let body = Array("<html><body><a href=\"\(Self.loginPage)\">Sign in to use this network</a></body></html>\n".utf8)
        let redirect = CloudResponse(
            status: 302,
            headers: [
                HTTPHeaderField(name: "Location", value: Self.loginPage),
                HTTPHeaderField(name: "Content-Type", value: "text/html"),
            ],
            body: body
        )
        let bytes = ResponseSerializer.serialize(redirect, date: WireTime.httpDate(Date()), keepAlive: false).bytes
        log(
            "\(serviceName): TLS mode \(HubTLSMode.plainHTTP.rawValue): answered \(context.channel.clientDescription) "
                + "with a captive portal's plain-HTTP 302"
        )
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(bytes: bytes))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
