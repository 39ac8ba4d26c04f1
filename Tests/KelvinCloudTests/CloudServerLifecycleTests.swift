import Foundation
import Testing

@testable import KelvinCloud

@Suite struct CloudServerLifecycleTests {
    @Test func missingServerCertificate_isReportedByName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = CloudConfiguration(
            serverCertificateFile: directory.file("server-cert.pem"),
            serverKeyFile: directory.file("server-key.pem")
        )
        #expect(throws: IdentityFileError.missing(path: directory.file("server-cert.pem"))) {
            try CloudServer(configuration: configuration)
        }
    }

    @Test func startBindsEphemeralPorts_andShutdownIsRepeatable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = CloudConfiguration(
            serverIdentity: try TestIdentity.createServerIdentity(in: directory.path)
        )
        configuration.hubName = "hub.local"
        configuration.log = { _ in }
        let server = try CloudServer(configuration: configuration)
        try server.start()
        #expect(server.dpsPort > 0)
        #expect(server.hubPort > 0)
        #expect(server.dpsPort != server.hubPort)
        #expect(server.assignedHub == "hub.local:\(server.hubPort)")
        #expect(throws: CloudServerError.self) { try server.start() }
        try server.shutdown()
        try server.shutdown()
    }

    @Test func waitForTelemetry_timesOutWhenNothingArrives() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = CloudConfiguration(
            serverIdentity: try TestIdentity.createServerIdentity(in: directory.path)
        )
        configuration.log = { _ in }
        let server = try CloudServer(configuration: configuration)
        #expect(server.waitForTelemetry(count: 0, timeoutSeconds: 0))
        #expect(!server.waitForTelemetry(count: 1, timeoutSeconds: 0.05))
    }
}
