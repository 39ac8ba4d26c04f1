import Foundation
import KelvinCloud
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// Many devices provisioning and sending at once against one emulator on loopback.
///
/// Only correctness is asserted; the throughput is printed, because shared machines are too noisy
/// for timed assertions. Serialized so that a second load test added here never overlaps this one.
@Suite(.serialized) struct LoadTests {
    static let deviceCount = 1_000
    /// Devices whose flows run at once; each holds at most one connection.
    static let concurrency = 200
    static let messagesPerDevice = 5
    /// Real DPS says 3 s; with one "assigning" poll each device waits twice, so 1 s keeps the
    /// whole run near `deviceCount / concurrency × 2 s`.
    static let retryAfterSeconds = 1
    static let assigningPollsBeforeAssigned = 1

    @Test(.timeLimit(.minutes(2)))
    func thousandDevicesProvisionAndSendConcurrently_everyMessageArrivesExactlyOnce() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let serverIdentity = try TestIdentity.createServerIdentity(in: scratch.path)
        let serverCA = try NIOSSLCertificate.fromPEMFile(serverIdentity.caCertificateFile)

        let clock = ContinuousClock()
        let generationStart = clock.now
        let identities = try SimulatedDeviceIdentity.make(count: Self.deviceCount, registrationIDPrefix: "load-device-")
        let generationTime = clock.now - generationStart

        var configuration = CloudConfiguration(
            serverIdentity: serverIdentity,
            enrollments: identities.map(\.enrollment)
        )
        configuration.retryAfterSeconds = Self.retryAfterSeconds
        configuration.assigningPollsBeforeAssigned = Self.assigningPollsBeforeAssigned
        configuration.log = { _ in }
        let server = try CloudServer(configuration: configuration)
        try server.start()
        defer { try? server.shutdown() }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let idScope = configuration.idScope
        let dpsPort = server.dpsPort
        let runStart = clock.now
        let runs = await Self.runBounded(identities.count, concurrency: Self.concurrency) { index in
            await Self.runDevice(identities[index], trusting: serverCA, group: group, idScope: idScope, dpsPort: dpsPort)
        }
        let wallTime = clock.now - runStart
        try await group.shutdownGracefully()

        let failures = runs.compactMap(\.failure)
        for failure in failures.prefix(20) {
            print("load: FAILED \(failure)")
        }
        let firstFailure = failures.first.map(String.init(describing:)) ?? ""
        #expect(failures.isEmpty, "\(failures.count) of \(runs.count) devices failed; first: \(firstFailure)")
        #expect(Set(server.registrations.map(\.deviceID)) == Set(identities.map(\.registrationID)))
        let received = server.receivedTelemetry
        Self.expectEveryMessageRecordedOnce(sentBy: runs, received: received)

        let seconds = wallTime.seconds
        let handshakes = runs.reduce(0) { $0 + $1.handshakes }
        let latencies = runs.flatMap(\.requestLatencies).sorted()
        let provisioned = runs.filter(\.assigned).count
        // Each device sleeps Retry-After once per 202, which caps provisioning whatever the server does.
        let waitsPerDevice = Self.assigningPollsBeforeAssigned + 1
        let provisioningCeiling = Double(Self.concurrency) / Double(waitsPerDevice * Self.retryAfterSeconds)
        print(
            """
            load: \(Self.deviceCount) devices, \(Self.concurrency) in flight, \(Self.messagesPerDevice) messages each, \
            Retry-After \(Self.retryAfterSeconds) s waited \(waitsPerDevice) times per device \
            (caps provisioning at \(Self.format(provisioningCeiling, "%.0f"))/s)
            load: identities generated in \(Self.format(generationTime.seconds, "%.2f")) s
            load: wall time \(Self.format(seconds, "%.2f")) s; \
            \(Self.format(Double(provisioned) / seconds, "%.1f")) provisionings/s; \
            \(Self.format(Double(received.count) / seconds, "%.1f")) messages/s; \
            \(handshakes) TLS handshakes (\(Self.format(Double(handshakes) / seconds, "%.1f"))/s)
            load: \(latencies.count) requests; latency p50 \(Self.milliseconds(latencies, 0.50)) ms, \
            p99 \(Self.milliseconds(latencies, 0.99)) ms, max \(Self.milliseconds(latencies, 1.0)) ms
            """
        )
    }

    private static func runDevice(
        _ identity: SimulatedDeviceIdentity,
        trusting serverCA: [NIOSSLCertificate],
        group: any EventLoopGroup,
        idScope: String,
        dpsPort: Int
    ) async -> DeviceRun {
        let client: MutualTLSTestClient
        do {
            client = try MutualTLSTestClient(
                certificate: identity.certificate,
                privateKey: identity.privateKey,
                trusting: serverCA,
                group: group
            )
        } catch {
            let failure = DeviceFlowFailure(
                registrationID: identity.registrationID,
                step: .makeTLSContext,
                detail: String(describing: error)
            )
            return DeviceRun(registrationID: identity.registrationID, failure: failure)
        }
        let device = SimulatedDevice(
            registrationID: identity.registrationID,
            client: client,
            idScope: idScope,
            dpsPort: dpsPort,
            messageCount: messagesPerDevice,
            maximumPolls: assigningPollsBeforeAssigned + 1
        )
        return await device.run()
    }

    /// Every message a device saw answered 204 is in the hub's record exactly once, under that
    /// device, and nothing else is.
    private static func expectEveryMessageRecordedOnce(sentBy runs: [DeviceRun], received: [ReceivedTelemetry]) {
        var senderByMessageID: [String: String] = [:]
        for run in runs {
            for messageID in run.sentMessageIDs {
                senderByMessageID[messageID] = run.registrationID
            }
        }
        var receivedCount: [String: Int] = [:]
        var wrongSender: [String] = []
        for message in received {
            let messageID = message.headers.value(named: "iothub-messageid") ?? "(none)"
            receivedCount[messageID, default: 0] += 1
            if senderByMessageID[messageID] != message.deviceID {
                wrongSender.append("\(messageID) from \(message.deviceID)")
            }
        }
        let duplicated = receivedCount.filter { $0.value > 1 }.keys.sorted()
        let missing = senderByMessageID.keys.filter { receivedCount[$0] == nil }.sorted()
        #expect(senderByMessageID.count == deviceCount * messagesPerDevice)
        #expect(received.count == senderByMessageID.count)
        #expect(duplicated.isEmpty, "recorded more than once: \(duplicated.prefix(10))")
        #expect(missing.isEmpty, "answered 204 but not recorded: \(missing.prefix(10))")
        #expect(wrongSender.isEmpty, "recorded under another device or an unknown ID: \(wrongSender.prefix(10))")
    }

    /// Runs `body` for indices `0..<count`, at most `concurrency` at a time, and returns the
    /// results in completion order.
    private static func runBounded<Outcome: Sendable>(
        _ count: Int,
        concurrency: Int,
        _ body: @escaping @Sendable (Int) async -> Outcome
    ) async -> [Outcome] {
        await withTaskGroup(of: Outcome.self) { group in
            var next = 0
            var results: [Outcome] = []
            results.reserveCapacity(count)
            while next < min(concurrency, count) {
                let index = next
                group.addTask { await body(index) }
                next += 1
            }
            while let result = await group.next() {
                results.append(result)
                if next < count {
                    let index = next
                    group.addTask { await body(index) }
                    next += 1
                }
            }
            return results
        }
    }

    private static func format(_ value: Double, _ format: String) -> String {
        String(format: format, value)
    }

    /// The `fraction` quantile of sorted latencies, in milliseconds.
    private static func milliseconds(_ sorted: [Duration], _ fraction: Double) -> String {
        guard !sorted.isEmpty else { return "-" }
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))
        return format(sorted[index].seconds * 1000, "%.1f")
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
