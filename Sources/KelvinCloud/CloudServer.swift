import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A local DPS and one or more IoT hubs, each on its own mutual-TLS HTTPS listener, plus an
/// optional loopback-only admin API.
///
/// The API is blocking on purpose: tests and the `kelvin-cloud` executable drive it from ordinary
/// threads while one NIO event-loop thread serves every listener.
public final class CloudServer: Sendable {
    public let configuration: CloudConfiguration
    /// The DNS names the server certificate covers; a hub's host name outside them fails every
    /// device's host name check.
    public let serverCertificateNames: [String]
    private let tlsContext: NIOSSLContext
    private let hubTLS: HubTLSPersonalities
    private let connections = OpenConnections()
    private let ledger: Guarded<CloudLedger>
    private let runtime = Guarded(Runtime.stopped)
    private let presentedChains = PresentedChains()

    private enum Runtime: Sendable {
        case stopped
        case running(Listeners)
    }

    private struct Listeners: Sendable {
        var group: MultiThreadedEventLoopGroup
        var channels: [Channel]
        var dpsPort: Int
        var hubs: [LinkedHub]
        var adminPort: Int?
    }

    /// Loads the TLS identity; nothing listens until ``start()``.
    ///
    /// - Throws: ``IdentityFileError`` when the server certificate or key file (or the CA's, when
    ///   given) is missing or unusable, or ``CloudServerError/invalidConfiguration(_:)``.
    public init(configuration: CloudConfiguration) throws {
        try Self.validate(configuration)
        self.configuration = configuration
        self.tlsContext = try MutualTLS.makeContext(
            certificateFile: configuration.serverCertificateFile,
            privateKeyFile: configuration.serverKeyFile,
            versions: configuration.tlsVersions
        )
        var authority: CertificateIssuer?
        if let caFile = configuration.serverCACertificateFile, let caKeyFile = configuration.serverCAPrivateKeyFile {
            authority = CertificateIssuer(
                certificate: try PEMFile.certificate(at: caFile),
                privateKey: try PEMFile.privateKey(at: caKeyFile)
            )
        }
        let genuineCertificate = try PEMFile.certificate(at: configuration.serverCertificateFile)
        self.serverCertificateNames = genuineCertificate.dnsNames
            + genuineCertificate.ipAddresses.filter { $0.count == 4 }.map { $0.map(String.init).joined(separator: ".") }
        self.hubTLS = HubTLSPersonalities(
            hubNames: configuration.hubs.map(\.name),
            genuine: tlsContext,
            genuineCertificate: genuineCertificate,
            authority: authority,
            versions: configuration.tlsVersions
        )
        var initial = CloudLedger()
        initial.enrollments = configuration.enrollmentRegistry
        self.ledger = Guarded(initial)
    }

    deinit {
        // A forgotten shutdown() must not leave the event-loop thread running; deinit cannot
        // block, so stop it asynchronously.
        if case .running(let listeners) = runtime.withLock({ $0 }) {
            listeners.group.shutdownGracefully { _ in }
        }
    }

    private static func validate(_ configuration: CloudConfiguration) throws {
        guard !configuration.hubs.isEmpty else {
            throw CloudServerError.invalidConfiguration("at least one hub is needed")
        }
        let names = configuration.hubs.map(\.name)
        if let repeated = names.first(where: { name in names.count { $0 == name } > 1 }) {
            throw CloudServerError.invalidConfiguration("two hubs are named '\(repeated)'; hub names must be unique")
        }
        let allocations = configuration.enrollmentRegistry.individualEnrollments.map { ("enrollment \($0.registrationID)", $0.allocation) }
            + configuration.enrollmentRegistry.groups.map { ("group \($0.groupID)", $0.allocation) }
        for (owner, allocation) in allocations {
            if let unknown = allocation.hubNames.first(where: { !names.contains($0) }) {
                throw CloudServerError.invalidConfiguration(
                    "\(owner) names hub '\(unknown)', which is not linked (hubs: \(names.joined(separator: ", ")))"
                )
            }
        }
        let thumbprints = configuration.enrollmentRegistry.individualEnrollments.map(\.thumbprint)
        if let repeated = thumbprints.first(where: { thumbprint in thumbprints.count { $0 == thumbprint } > 1 }) {
            throw CloudServerError.invalidConfiguration(
                "certificate \(repeated) is in two individual enrollments; DPS allows one"
            )
        }
        for group in configuration.enrollmentRegistry.groups
        where configuration.enrollmentRegistry.certificateAuthority(named: group.certificateAuthorityName) == nil {
            throw CloudServerError.invalidConfiguration(
                "group \(group.groupID) is bound to CA '\(group.certificateAuthorityName)', which was not uploaded"
            )
        }
        let fixedPorts = ([configuration.dpsPort] + configuration.hubs.map(\.port) + [configuration.adminPort ?? 0])
            .filter { $0 != 0 }
        if let repeated = fixedPorts.first(where: { port in fixedPorts.count { $0 == port } > 1 }) {
            throw CloudServerError.invalidConfiguration("port \(repeated) is given to two listeners")
        }
    }

    /// Binds every hub, then DPS, then the admin API; when it returns, ``dpsPort``, ``hubs`` and
    /// ``adminPort`` hold the actual ports.
    ///
    /// - Throws: ``CloudServerError/alreadyStarted``, or ``CloudServerError/cannotListen(service:host:port:reason:)``.
    public func start() throws {
        try runtime.withLock { state in
            guard case .stopped = state else { throw CloudServerError.alreadyStarted }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            var bound: [Channel] = []
            do {
                var linked: [LinkedHub] = []
                for hub in configuration.hubs {
                    let channel = try listen(
                        service: hub.name,
                        host: configuration.host,
                        port: hub.port,
                        group: group,
                        greeting: { [hubTLS] in hubTLS.greeting(forHub: hub.name) },
                        endpoint: HubEndpoint(hubName: hub.name, errorShape: configuration.hubErrorShape, lenient: configuration.lenient)
                    )
                    bound.append(channel)
                    let port = channel.localAddress?.port ?? hub.port
                    linked.append(LinkedHub(name: hub.name, address: "\(hub.hostName):\(port)", port: port))
                }
                let provisioning = try listen(
                    service: "dps",
                    host: configuration.host,
                    port: configuration.dpsPort,
                    group: group,
                    greeting: { [tlsContext] in .mutualTLS(tlsContext) },
                    endpoint: ProvisioningEndpoint(
                        idScope: configuration.idScope,
                        retryAfterSeconds: configuration.retryAfterSeconds,
                        assigningPollsBeforeAssigned: configuration.assigningPollsBeforeAssigned,
                        answersRegisterImmediately: configuration.answersRegisterImmediately,
                        pollLimit: configuration.pollLimit,
                        registrationLimit: configuration.registrationLimit,
                        linkedHubs: linked,
                        lenient: configuration.lenient
                    )
                )
                bound.append(provisioning)
                var adminPort: Int?
                if let requested = configuration.adminPort {
                    // Loopback only: the admin API has no authentication.
                    let admin = try listen(
                        service: "admin",
                        host: "127.0.0.1",
                        port: requested,
                        group: group,
                        greeting: { .plainHTTP },
                        endpoint: AdminEndpoint(linkedHubs: linked, hubTLS: hubTLS, connections: connections),
                        // The desk's own polls are not the services' traffic.
                        keepsExchangeBook: false
                    )
                    bound.append(admin)
                    adminPort = admin.localAddress?.port ?? requested
                }
                state = .running(
                    Listeners(
                        group: group,
                        channels: bound,
                        dpsPort: provisioning.localAddress?.port ?? configuration.dpsPort,
                        hubs: linked,
                        adminPort: adminPort
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

    /// Closes every listener and open connection, and stops the event-loop thread. Does nothing if
    /// the server is not running; it may be started again afterwards, keeping its state.
    ///
    /// - Throws: ``CloudServerError/shutdownFailed(reason:)``.
    public func shutdown() throws {
        let running: Listeners? = runtime.withLock { state in
            guard case .running(let listeners) = state else { return nil }
            state = .stopped
            return listeners
        }
        guard let running else { return }
        for channel in running.channels {
            try? channel.close().wait()
        }
        do {
            try running.group.syncShutdownGracefully()
        } catch {
            throw CloudServerError.shutdownFailed(reason: String(describing: error))
        }
    }

    private var listeners: Listeners? {
        runtime.withLock { state in
            if case .running(let listeners) = state { return listeners }
            return nil
        }
    }

    /// The DPS port; the configured one until the server has started.
    public var dpsPort: Int { listeners?.dpsPort ?? configuration.dpsPort }

    /// The first hub's port; the configured one until the server has started.
    public var hubPort: Int { listeners?.hubs.first?.port ?? configuration.hubPort }

    /// The admin API's port, `nil` when it is not running.
    public var adminPort: Int? { listeners?.adminPort }

    /// Every hub with the `assignedHub` value DPS gives for it; configured ports until started.
    public var hubs: [LinkedHub] {
        listeners?.hubs
            ?? configuration.hubs.map { LinkedHub(name: $0.name, address: "\($0.hostName):\($0.port)", port: $0.port) }
    }

    /// What DPS returns as `assignedHub` for the first hub: `"<host name>:<port>"`.
    public var assignedHub: String { hubs.first?.address ?? "" }

    // MARK: - Observing

    /// Every message the hubs accepted, oldest first (a batch counts one per element).
    public var receivedTelemetry: [ReceivedTelemetry] {
        ledger.withLock { $0.telemetry }
    }

    /// Messages whose `iothub-messageid` repeats an earlier one from the same device: a backend
    /// de-duplicates these, and a test proving "nothing sent twice" expects 0.
    public var duplicateMessageCount: Int {
        ledger.withLock { $0.duplicateMessageCount }
    }

    /// Every hub's registry: the devices DPS assigned, in first-assignment order.
    public var registrations: [ProvisionedDevice] {
        ledger.withLock { $0.devices }
    }

    /// DPS's registration records (assigned and failed), by registration ID.
    public var registrationRecords: [RegistrationRecord] {
        ledger.withLock { Array($0.registrations.values) }.sorted { $0.registrationID < $1.registrationID }
    }

    /// Blocks until at least `count` messages have arrived in total; returns `false` on timeout.
    /// An infinite `timeoutSeconds` waits for as long as it takes.
    public func waitForTelemetry(count: Int, timeoutSeconds: Double) -> Bool {
        let deadline = timeoutSeconds.isFinite ? Date(timeIntervalSinceNow: max(0, timeoutSeconds)) : nil
        return ledger.wait(until: deadline) { $0.telemetry.count >= count }
    }

    public func clearTelemetry() {
        ledger.withLock { $0.telemetry.removeAll() }
    }

    // MARK: - Changing enrollments and registrations while running

    public var enrollments: EnrollmentRegistry {
        ledger.withLock { $0.enrollments }
    }

    /// Changes enrollments, groups or CAs; takes effect from the next request.
    public func updateEnrollments(_ change: (inout EnrollmentRegistry) -> Void) {
        ledger.withLock { change(&$0.enrollments) }
    }

    /// Deletes a device's DPS registration and its hub identity, as deleting the registration in
    /// the portal does; its next telemetry is refused with 401. Returns whether anything existed.
    @discardableResult
    public func deleteRegistration(_ registrationID: String) -> Bool {
        ledger.withLock { $0.deleteRegistration(registrationID) }
    }

    /// Enables or disables a device in its hub's registry; returns whether the device exists.
    @discardableResult
    public func setDeviceEnabled(_ deviceID: String, _ isEnabled: Bool) -> Bool {
        ledger.withLock { ledger in
            guard let index = ledger.devices.firstIndex(where: { $0.deviceID == deviceID }) else { return false }
            ledger.devices[index].isEnabled = isEnabled
            return true
        }
    }

    // MARK: - Faults

    /// Queues faults; each request on the script's route takes its next step.
    public func addFaults(_ script: FaultScript) {
        ledger.withLock { $0.faults.scripts.append(script) }
    }

    /// Makes a hub (every hub when `hubName` is nil) answer 503 for `seconds`.
    public func startOutage(hubName: String? = nil, seconds: Double) {
        ledger.withLock { $0.faults.outages[hubName] = Date(timeIntervalSinceNow: seconds) }
    }

    /// Removes every queued fault, ends every outage and puts every hub's TLS back to normal.
    public func clearFaults() {
        ledger.withLock { $0.faults = FaultBook() }
        OpenConnections.waitUntilClosed(hubTLS.restoreAll(closing: connections).closing)
    }

    /// Makes the hub present `mode` to new connections, closing its open ones when the mode
    /// changes, as a change in the network in front of it would.
    ///
    /// - Returns: how many connections were closed.
    /// - Throws: ``HubTLSModeError``.
    @discardableResult
    public func setTLSMode(_ mode: HubTLSMode, hubName: String) throws(HubTLSModeError) -> Int {
        let closing = try hubTLS.switchHub(hubName, to: mode, closing: connections, at: Date()).closing
        // When this returns, no connection from before the switch still answers.
        OpenConnections.waitUntilClosed(closing)
        return closing.count
    }

    /// What the hub presents to new connections.
    public func tlsMode(hubName: String) -> HubTLSMode {
        hubTLS.mode(ofHub: hubName)
    }

    /// Closes the hub's open connections (a device must connect, and so resolve its name, again);
    /// returns how many there were.
    @discardableResult
    public func disconnect(hubName: String) -> Int {
        let closing = connections.closeAll(service: hubName)
        OpenConnections.waitUntilClosed(closing)
        return closing.count
    }

    /// Connections open on the hub's listener now.
    public func openConnectionCount(hubName: String) -> Int {
        connections.count(service: hubName)
    }

    /// Fault steps not yet taken.
    public var pendingFaultSteps: Int {
        ledger.withLock { $0.faults.pendingStepCount }
    }

    // MARK: - Listening

    private func listen(
        service: String,
        host: String,
        port: Int,
        group: MultiThreadedEventLoopGroup,
        greeting: @escaping @Sendable () -> ConnectionGreeting,
        endpoint: some CloudEndpoint,
        keepsExchangeBook: Bool = true
    ) throws -> Channel {
        let ledger = self.ledger
        let log = configuration.log
        let chains = presentedChains
        let connections = self.connections
        let plan: @Sendable (CloudRequest) -> ResponsePlan = { request in
            var generator = SystemRandomNumberGenerator()
            let now = Date()
            let (plan, lines) = ledger.withLock { ledger in
                let (plan, lines) = FaultInjection.plan(for: request, endpoint: endpoint, ledger: &ledger, at: now, using: &generator)
                if keepsExchangeBook {
                    let target = endpoint.faultTarget(of: request)
                    ledger.exchanges.record(
                        plan, service: service, route: target?.route.rawValue ?? "other", subject: target?.subject, at: now
                    )
                }
                return (plan, lines)
            }
            lines.forEach(log)
            return plan
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    connections.add(channel, service: service)
                    let pipeline = channel.pipeline.syncOperations
                    var peer: ConnectionPeer?
                    let tlsContext: NIOSSLContext?
                    switch greeting() {
                    case .plainHTTP:
                        tlsContext = nil
                    case .mutualTLS(let genuine):
                        tlsContext = genuine
                    case .standIn(let standIn, let mode):
                        log("\(service): TLS mode \(mode.rawValue): presenting a stand-in certificate to \(channel.clientDescription)")
                        tlsContext = standIn
                    case .captivePortal:
                        try pipeline.addHandler(CaptivePortalHandler(serviceName: service, log: log))
                        return
                    }
                    if let tlsContext {
                        let connectionPeer = ConnectionPeer()
                        try pipeline.addHandler(
                            MutualTLS.makeServerHandler(context: tlsContext, recordingInto: connectionPeer, chains: chains)
                        )
                        peer = connectionPeer
                    }
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try pipeline.addHandler(
                        HTTPExchangeHandler(
                            serviceName: service,
                            peer: peer,
                            chains: chains,
                            maximumBodyBytes: HubEndpoint.maximumMessageBytes,
                            log: log,
                            plan: plan
                        )
                    )
                }
            }
        do {
            return try bootstrap.bind(host: host, port: port).wait()
        } catch {
            throw CloudServerError.cannotListen(service: service, host: host, port: port, reason: String(describing: error))
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

    /// The route and subject faults are matched against; `nil` for requests faults never touch.
    func faultTarget(of request: CloudRequest) -> FaultTarget?
}

/// What a fault script is matched against.
struct FaultTarget: Equatable {
    var route: CloudRoute
    var hubName: String?
    /// The registration ID (DPS) or device ID (hub) in the path.
    var subject: String
    /// The hub's own error shape, for a scripted refusal that names none.
    var hubErrorShape: HubErrorShape = .new
}

extension ProvisioningEndpoint: CloudEndpoint {
    func faultTarget(of request: CloudRequest) -> FaultTarget? {
        let target = RequestTarget(request.target)
        guard case .matched(let route) = ProvisioningRoute.match(method: request.method, pathSegments: target.pathSegments)
        else { return nil }
        return FaultTarget(route: route.faultRoute, hubName: nil, subject: route.registrationID)
    }
}

extension HubEndpoint: CloudEndpoint {
    func faultTarget(of request: CloudRequest) -> FaultTarget? {
        let target = RequestTarget(request.target)
        guard case .matched(.sendEvent(let deviceID)) = HubRoute.match(method: request.method, pathSegments: target.pathSegments)
        else { return nil }
        return FaultTarget(route: .telemetry, hubName: hubName, subject: deviceID, hubErrorShape: errorShape)
    }
}
