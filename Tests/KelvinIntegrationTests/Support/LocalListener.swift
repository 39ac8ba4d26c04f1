import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A loopback TCP listener whose connections get the handlers `initializeChild` adds: for the
/// servers the emulator cannot be (one that never speaks, one that refuses the device at the TLS
/// layer, one that is not HTTPS at all).
final class LocalListener {
    let port: UInt16
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel

    init(initializeChild: @escaping @Sendable (Channel) throws -> Void) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { child in
                    child.eventLoop.makeCompletedFuture { try initializeChild(child) }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        port = UInt16(channel.localAddress?.port ?? 0)
    }

    deinit {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Accepts connections and never sends a byte: a TLS client waits for a ServerHello forever.
    static func silent() throws -> LocalListener {
        try LocalListener { _ in }
    }

    /// A TLS server presenting `certificateFile` that requires a client certificate chaining to
    /// `trustedCAFile` and fails the handshake otherwise, as a service with chain-based client
    /// authentication does. A client it accepts gets `200 OK` to any bytes.
    static func verifyingClientCertificates(
        certificateFile: String,
        privateKeyFile: String,
        trustedCAFile: String,
        maximumTLSVersion: TLSVersion
    ) throws -> LocalListener {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: privateKeyFile, format: .pem))
        )
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .file(trustedCAFile)
        configuration.maximumTLSVersion = maximumTLSVersion
        let context = try NIOSSLContext(configuration: configuration)
        return try LocalListener { child in
            try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
            try child.pipeline.syncOperations.addHandler(AnswerOK())
        }
    }
}

/// Answers every read with an empty `200 OK`.
private final class AnswerOK: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")), promise: nil)
    }
}

/// A loopback port whose listen queue is full and never drained. Linux drops SYNs to such a port
/// (`tcp_conn_request` counts a listen overflow) instead of refusing them, so a connect there
/// waits as one to a host behind a dropping firewall does.
final class FullBacklogListener {
    let port: UInt16
    private var descriptors: [Int32] = []

    /// Listens with a backlog of 0, then connects until one connection is not answered within a
    /// fifth of a second: from then on the queue is full. A backlog of 0 holds one connection,
    /// so this normally takes two.
    init() throws {
        let listener = try LoopbackSocket.listen(backlog: 0)
        port = listener.port
        descriptors.append(listener.descriptor)
        for _ in 0..<8 {
            let filler = LoopbackSocket.connect(to: port, nonBlocking: true)
            guard filler.descriptor >= 0, filler.result == 0 || errno == EINPROGRESS else {
                throw LoopbackSocket.Failure(step: "connect", errno: errno)
            }
            descriptors.append(filler.descriptor)
            var waiting = pollfd(fd: filler.descriptor, events: Int16(POLLOUT), revents: 0)
            if poll(&waiting, 1, 200) == 0 { return }
        }
        throw LoopbackSocket.Failure(step: "filling the listen queue", errno: 0)
    }

    deinit {
        for descriptor in descriptors { close(descriptor) }
    }
}
