import KelvinCloud
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// The load test's client, checked on its own so a load failure points at the server.
@Suite(.timeLimit(.minutes(1))) struct MutualTLSTestClientTests {
    @Test func keepAliveConnection_carriesRegisterAndPoll() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let serverIdentity = try TestIdentity.createServerIdentity(in: scratch.path)
        let device = try SimulatedDeviceIdentity(registrationID: "client-test-device")
        var configuration = CloudConfiguration(serverIdentity: serverIdentity, enrollments: [device.enrollment])
        configuration.log = { _ in }
        let server = try CloudServer(configuration: configuration)
        try server.start()
        defer { try? server.shutdown() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try MutualTLSTestClient(
            certificate: device.certificate,
            privateKey: device.privateKey,
            trusting: try NIOSSLCertificate.fromPEMFile(serverIdentity.caCertificateFile),
            group: group
        )

        let connection = try await client.connect(port: server.dpsPort)
        let registrations = "/\(configuration.idScope)/registrations/\(device.registrationID)"
        let accepted = try await connection.send(
            TestHTTPRequest(
                method: .PUT,
                target: "\(registrations)/register?api-version=2021-06-01",
                headers: [("Content-Type", "application/json")],
                body: Array(#"{"registrationId":"client-test-device"}"#.utf8)
            )
        )
        let operationID = try #require(try accepted.jsonObject()["operationId"] as? String)
        let status = try await connection.send(
            TestHTTPRequest(method: .GET, target: "\(registrations)/operations/\(operationID)?api-version=2021-06-01")
        )
        await connection.close()
        try await group.shutdownGracefully()

        #expect(accepted.status == 202)
        #expect(accepted.headers.first(name: "Retry-After") == "3")
        #expect(status.status == 202)
        #expect(try status.jsonObject()["status"] as? String == "assigning")
    }

    @Test func serverThatNeverAnswersTheHandshake_timesOut() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let silent = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let device = try SimulatedDeviceIdentity(registrationID: "client-test-device")
        let client = try MutualTLSTestClient(
            certificate: device.certificate,
            privateKey: device.privateKey,
            trusting: [device.certificate],
            group: group,
            requestTimeout: .milliseconds(200)
        )

        let error = await #expect(throws: MutualTLSTestClientError.self) {
            try await client.connect(port: silent.localAddress?.port ?? 0)
        }
        try await silent.close()
        try await group.shutdownGracefully()

        guard case .timedOut = error else {
            Issue.record("expected a timeout, got \(String(describing: error))")
            return
        }
    }
}
