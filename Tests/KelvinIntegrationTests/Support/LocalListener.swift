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
            privateKey: .file(privateKeyFile)
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
    private let descriptors: [Int32]

    struct SetupFailed: Error {
        var step: String
        var errno: Int32
    }

    init() throws {
        var opened: [Int32] = []
        do {
            (port, descriptors) = try Self.fill(&opened)
        } catch {
            for descriptor in opened { close(descriptor) }
            throw error
        }
    }

    /// Listens with a backlog of 0, then connects until one connection is not answered within a
    /// fifth of a second: from then on the queue is full. A backlog of 0 holds one connection,
    /// so this normally takes two.
    private static func fill(_ opened: inout [Int32]) throws -> (UInt16, [Int32]) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw SetupFailed(step: "socket", errno: errno) }
        opened.append(listener)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        guard withSocketAddress(&address, { bind(listener, $0, $1) }) == 0 else { throw SetupFailed(step: "bind", errno: errno) }
        guard listen(listener, 0) == 0 else { throw SetupFailed(step: "listen", errno: errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        guard named == 0 else { throw SetupFailed(step: "getsockname", errno: errno) }
        for _ in 0..<8 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard filler >= 0 else { throw SetupFailed(step: "socket", errno: errno) }
            opened.append(filler)
            let started = withSocketAddress(&address) { connect(filler, $0, $1) }
            guard started == 0 || errno == EINPROGRESS else { throw SetupFailed(step: "connect", errno: errno) }
            var waiting = pollfd(fd: filler, events: Int16(POLLOUT), revents: 0)
            if poll(&waiting, 1, 200) == 0 { return (UInt16(bigEndian: address.sin_port), opened) }
        }
        throw SetupFailed(step: "filling the listen queue", errno: 0)
    }

    deinit {
        for descriptor in descriptors { close(descriptor) }
    }

    private static func withSocketAddress(_ address: inout sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
