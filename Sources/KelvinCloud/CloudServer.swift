import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A local DPS and IoT Hub on two mutual-TLS HTTPS listeners.
///
/// The API is blocking on purpose: tests and the `kelvin-cloud` executable drive it from ordinary
/// threads while one NIO event-loop thread serves both listeners.
public final class CloudServer: Sendable {
    public let configuration: CloudConfiguration
    private let tlsContext: NIOSSLContext
    private let ledger = Guarded(CloudLedger())
    private let runtime = Guarded(Runtime.stopped)

    private enum Runtime: Sendable {
        case stopped
        case running(Listeners)
    }

    private struct Listeners: Sendable {
        var group: MultiThreadedEventLoopGroup
        var provisioning: Channel
        var hub: Channel
        var dpsPort: Int
        var hubPort: Int
        var assignedHub: String
    }

    /// Loads the TLS identity; nothing listens until ``start()``.
    ///
    /// - Throws: ``IdentityFileError`` when the server certificate or key file is missing or unusable.
    public init(configuration: CloudConfiguration) throws {
        self.configuration = configuration
        self.tlsContext = try MutualTLS.makeContext(
            certificateFile: configuration.serverCertificateFile,
            privateKeyFile: configuration.serverKeyFile
        )
    }

    deinit {
        // A forgotten shutdown() must not leave the event-loop thread running; deinit cannot
        // block, so stop it asynchronously.
        if case .running(let listeners) = runtime.withLock({ $0 }) {
            listeners.group.shutdownGracefully { _ in }
        }
    }

    /// Binds the hub and then the DPS listener on ``CloudConfiguration/host``; when it returns,
    /// ``dpsPort``, ``hubPort`` and ``assignedHub`` hold the actual values.
    ///
    /// - Throws: ``CloudServerError/alreadyStarted``, or ``CloudServerError/cannotListen(service:host:port:reason:)``.
    public func start() throws {
        try runtime.withLock { state in
            guard case .stopped = state else { throw CloudServerError.alreadyStarted }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            var bound: [Channel] = []
            do {
                let hub = try listen(service: "hub", port: configuration.hubPort, group: group, endpoint: HubEndpoint())
                bound.append(hub)
                let hubPort = hub.localAddress?.port ?? configuration.hubPort
                let assignedHub = "\(configuration.hubName):\(hubPort)"
                let provisioningEndpoint = ProvisioningEndpoint(
                    idScope: configuration.idScope,
                    enrollments: configuration.enrollments,
                    retryAfterSeconds: configuration.retryAfterSeconds,
                    assigningPollsBeforeAssigned: configuration.assigningPollsBeforeAssigned,
                    assignedHub: assignedHub
                )
                let provisioning = try listen(
                    service: "dps",
                    port: configuration.dpsPort,
                    group: group,
                    endpoint: provisioningEndpoint
                )
                state = .running(
                    Listeners(
                        group: group,
                        provisioning: provisioning,
                        hub: hub,
                        dpsPort: provisioning.localAddress?.port ?? configuration.dpsPort,
                        hubPort: hubPort,
                        assignedHub: assignedHub
                    )
                )
            } catch {
                for channel in bound {
                    try? channel.close().wait()
                }
                try? group.syncShutdownGracefully()
                throw error
            }
        }
    }

    /// Closes both listeners and every open connection, and stops the event-loop thread.
    /// Does nothing if the server is not running; it may be started again afterwards, keeping its
    /// registrations and telemetry.
    ///
    /// - Throws: ``CloudServerError/shutdownFailed(reason:)``.
    public func shutdown() throws {
        let running: Listeners? = runtime.withLock { state in
            guard case .running(let listeners) = state else { return nil }
            state = .stopped
            return listeners
        }
        guard let running else { return }
        try? running.provisioning.close().wait()
        try? running.hub.close().wait()
        do {
            try running.group.syncShutdownGracefully()
        } catch {
            throw CloudServerError.shutdownFailed(reason: String(describing: error))
        }
    }

    /// The DPS port; the configured one until the server has started.
    public var dpsPort: Int {
        runtime.withLock { state in
            if case .running(let listeners) = state { return listeners.dpsPort }
            return configuration.dpsPort
        }
    }

    /// The hub port; the configured one until the server has started.
    public var hubPort: Int {
        runtime.withLock { state in
            if case .running(let listeners) = state { return listeners.hubPort }
            return configuration.hubPort
        }
    }

    /// What DPS returns as `assignedHub`: `"<hubName>:<hub port>"`.
    public var assignedHub: String {
        runtime.withLock { state in
            if case .running(let listeners) = state { return listeners.assignedHub }
            return "\(configuration.hubName):\(configuration.hubPort)"
        }
    }

    /// Every message the hub accepted, oldest first.
    public var receivedTelemetry: [ReceivedTelemetry] {
        ledger.withLock { $0.telemetry }
    }

    /// The hub's registry: every device DPS assigned, in first-assignment order.
    public var registrations: [ProvisionedDevice] {
        ledger.withLock { $0.devices }
    }

    /// Blocks until at least `count` messages have arrived in total; returns `false` on timeout.
    /// An infinite `timeoutSeconds` waits for as long as it takes.
    public func waitForTelemetry(count: Int, timeoutSeconds: Double) -> Bool {
        let deadline = timeoutSeconds.isFinite ? Date(timeIntervalSinceNow: max(0, timeoutSeconds)) : nil
        return ledger.wait(until: deadline) { $0.telemetry.count >= count }
    }

    private func listen(
        service: String,
        port: Int,
        group: MultiThreadedEventLoopGroup,
        endpoint: some CloudEndpoint
    ) throws -> Channel {
        let ledger = self.ledger
        let log = configuration.log
        let tlsContext = self.tlsContext
        let respond: @Sendable (CloudRequest) -> CloudResponse = { request in
            var generator = SystemRandomNumberGenerator()
            let reply = ledger.withLock { ledger in
                endpoint.respond(to: request, ledger: &ledger, at: Date(), using: &generator)
            }
            reply.logLines.forEach(log)
            return reply.response
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let peer = ConnectionPeer()
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(MutualTLS.makeServerHandler(context: tlsContext, recordingInto: peer))
                    // The service logic frames every response itself: NIO would otherwise strip
                    // the `Content-Length: 0` the real hub puts on its 204.
                    var encoderConfiguration = HTTPResponseEncoder.Configuration()
                    encoderConfiguration.automaticallySetFramingHeaders = false
                    try pipeline.addHandler(HTTPResponseEncoder(configuration: encoderConfiguration))
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try pipeline.addHandler(HTTPServerPipelineHandler())
                    try pipeline.addHandler(HTTPServerProtocolErrorHandler())
                    try pipeline.addHandler(
                        HTTPExchangeHandler(
                            serviceName: service,
                            peer: peer,
                            maximumBodyBytes: HubEndpoint.maximumMessageBytes,
                            log: log,
                            respond: respond
                        )
                    )
                }
            }
        do {
            return try bootstrap.bind(host: configuration.host, port: port).wait()
        } catch {
            throw CloudServerError.cannotListen(
                service: service,
                host: configuration.host,
                port: port,
                reason: String(describing: error)
            )
        }
    }
}

/// The service logic one listener runs.
protocol CloudEndpoint: Sendable {
    func respond(
        to request: CloudRequest,
        ledger: inout CloudLedger,
        at now: Date,
        using generator: inout some RandomNumberGenerator
    ) -> EndpointReply
}

extension ProvisioningEndpoint: CloudEndpoint {}
extension HubEndpoint: CloudEndpoint {}
