import Foundation
import KelvinCloud
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// A hub's TLS personality switched while running, seen by curl (OpenSSL, as the device) and by a
/// kept-alive NIO client.
@Suite(.timeLimit(.minutes(1))) struct HubTLSModeTests {
    private func adminCloud() throws -> LocalCloud {
        try LocalCloud.provisioned { $0.adminPort = 0 }
    }

    private func setMode(_ mode: String, on cloud: LocalCloud, hub: String = "hub") throws -> CurlResult {
        try cloud.admin("POST", "hubs/\(hub)/tls", body: #"{"mode": "\#(mode)"}"#)
    }

    // MARK: - Each mode, as the device's TLS stack sees it

    @Test func plainHTTP_answersEveryConnectionWithACaptivePortalRedirect() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        let switched = try setMode("plain-http", on: cloud)
        #expect(switched.status == 200, "\(switched.body)")
        #expect(try switched.jsonObject()["previous"] as? String == "normal")

        // TLS meets plain HTTP: OpenSSL's "wrong version number", curl's 35.
        let overTLS = try cloud.send(.telemetry)
        #expect(overTLS.exitCode == 35, "\(overTLS.standardError)")
        #expect(overTLS.standardError.contains("wrong version number"), "\(overTLS.standardError)")
        // Without TLS the portal's answer shows.
        let plain = try Curl.run(
            ["http://127.0.0.1:\(cloud.server.hubPort)/devices/my-device/messages/events"],
            trusting: nil,
            as: nil,
            scratch: cloud.scratch
        )
        #expect(plain.status == 302)
        #expect(plain.header("Location") == "http://portal.kelvin-cloud.invalid/login")
        #expect(cloud.log.lines.contains { $0.contains("TLS mode plain-http: answered 127.0.0.1:") })
        // DPS keeps its TLS.
        #expect(try cloud.register(as: cloud.device).status == 202)

        #expect(try setMode("normal", on: cloud).status == 200)
        #expect(try cloud.send(.telemetry).status == 204)
    }

    /// not-yet-valid: the trusted CA signed it, but it starts tomorrow; untrusted: valid now, but
    /// from a CA nobody trusts. Either way the names are the genuine ones.
    @Test(arguments: [
        ("not-yet-valid", "certificate is not yet valid", "Kelvin Cloud Test CA"),
        ("untrusted", "unable to get local issuer certificate", "Kelvin Cloud Untrusted Stand-in CA"),
    ])
    func standInCertificate_isRefusedForItsOneFlawAndNormalRestoresTheHub(mode: String, refusal: String, issuer: String)
        throws
    {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        #expect(try setMode(mode, on: cloud).status == 200)

        let refused = try cloud.send(.telemetry)
        #expect(refused.exitCode == 60, "\(refused.standardError)")
        #expect(refused.standardError.contains(refusal), "\(refused.standardError)")
        // That flaw aside, it is the hub: a client that skips verification is served as before.
        let insecure = try cloud.send(.telemetry, arguments: ["--insecure"])
        #expect(insecure.status == 204, "\(insecure.standardError)")
        let presented = try presentedCertificate(port: cloud.server.hubPort, scratch: cloud.scratch)
        #expect(presented.contains(issuer), "\(presented)")
        #expect(presented.contains("DNS:localhost"), "\(presented)")
        #expect(cloud.log.lines.contains { $0.contains("TLS mode \(mode): presenting a stand-in certificate to 127.0.0.1:") })

        #expect(try setMode("normal", on: cloud).status == 200)
        #expect(try cloud.send(.telemetry).status == 204)
    }

    // MARK: - Switching

    @Test func switchingMode_closesTheHubsOpenConnections_andTheNextOneMeetsTheNewMode() async throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try deviceClient(of: cloud, group: group)
        let telemetry = TestHTTPRequest(
            method: .POST,
            target: "/devices/my-device/messages/events?api-version=2020-03-13",
            headers: [("Content-Type", "application/json")],
            body: Array(#"{"temperature": 21}"#.utf8)
        )

        let connection = try await client.connect(port: cloud.server.hubPort)
        #expect(try await connection.send(telemetry).status == 204)
        #expect(cloud.server.openConnectionCount(hubName: "hub") == 1)

        #expect(try cloud.server.setTLSMode(.untrusted, hubName: "hub") == 1)
        await #expect(throws: (any Error).self) { try await connection.send(telemetry) }
        await #expect(throws: (any Error).self) { try await client.connect(port: cloud.server.hubPort) }
        // The same mode again changes nothing and closes nothing.
        #expect(try cloud.server.setTLSMode(.untrusted, hubName: "hub") == 0)

        cloud.server.clearFaults()
        #expect(cloud.server.tlsMode(hubName: "hub") == .normal)
        let again = try await client.connect(port: cloud.server.hubPort)
        #expect(try await again.send(telemetry).status == 204)
        await again.close()
        await connection.close()
        try await group.shutdownGracefully()
    }

    @Test func deleteFaults_putsEveryHubBackToNormal() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }
        #expect(try setMode("untrusted", on: cloud).status == 200)

        #expect(try cloud.admin("DELETE", "faults").status == 200)

        #expect(cloud.server.tlsMode(hubName: "hub") == .normal)
        #expect(try cloud.send(.telemetry).status == 204)
        #expect(cloud.log.lines.contains("admin: faults and outages cleared; TLS back to normal on hub"))
    }

    @Test func getHubs_listsEachHubWithItsAddressModeAndConnections() throws {
        let cloud = try LocalCloud.provisioned {
            $0.adminPort = 0
            $0.hubs = [HubConfiguration(name: "hub-a"), HubConfiguration(name: "hub-b", hostName: "kelvin-hub.test")]
        }
        defer { cloud.stop() }
        #expect(try setMode("plain-http", on: cloud, hub: "hub-b").status == 200)

        let listed = try cloud.admin("GET", "hubs")
        let hubs = try #require(try JSONSerialization.jsonObject(with: Data(listed.body.utf8)) as? [[String: Any]])

        #expect(hubs.map { $0["name"] as? String } == ["hub-a", "hub-b"])
        #expect(hubs.map { $0["tls"] as? String } == ["normal", "plain-http"])
        #expect(hubs[1]["assignedHub"] as? String == "kelvin-hub.test:\(cloud.server.hubs[1].port)")
        #expect(hubs.map { $0["openConnections"] as? Int } == [0, 0])
    }

    @Test func disconnect_closesTheHubsConnections() async throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try deviceClient(of: cloud, group: group)
        let connection = try await client.connect(port: cloud.server.hubPort)

        let disconnected = try cloud.admin("POST", "hubs/hub/disconnect")

        #expect(disconnected.status == 200)
        #expect(try disconnected.jsonObject()["closedConnections"] as? Int == 1)
        await connection.close()
        try await group.shutdownGracefully()
    }

    // MARK: - Refusals

    @Test(arguments: [
        ("hub", #"{"mode": "sideways"}"#, 400, "\"mode\" must be one of normal, plain-http, not-yet-valid, untrusted"),
        ("hub", #"{"mode": "normal", "extra": 1}"#, 400, "extra"),
        ("nowhere", #"{"mode": "normal"}"#, 404, "no hub named \"nowhere\" (hubs: hub)"),
    ])
    func badTLSRequest_isRefusedNamingTheProblem(hub: String, body: String, status: Int, message: String) throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        let refused = try cloud.admin("POST", "hubs/\(hub)/tls", body: body)

        #expect(refused.status == status)
        let error = try #require(try refused.jsonObject()["error"] as? String)
        #expect(error.contains(message), "\(error)")
    }

    @Test func notYetValid_withoutTheCAKey_isRefusedAndTheModeStays() throws {
        let cloud = try LocalCloud.provisioned {
            $0.adminPort = 0
            $0.serverCAPrivateKeyFile = nil
        }
        defer { cloud.stop() }

        let refused = try setMode("not-yet-valid", on: cloud)

        #expect(refused.status == 409)
        #expect(try refused.jsonObject()["error"] as? String == HubTLSModeError.noCAKey.description)
        #expect(cloud.server.tlsMode(hubName: "hub") == .normal)
        #expect(try cloud.send(.telemetry).status == 204)
    }

    /// A kept-alive client with the cloud's enrolled device identity.
    private func deviceClient(of cloud: LocalCloud, group: any EventLoopGroup) throws -> MutualTLSTestClient {
        try MutualTLSTestClient(
            certificate: try #require(try NIOSSLCertificate.fromPEMFile(cloud.device.certificateFile).first),
            privateKey: try NIOSSLPrivateKey(file: cloud.device.privateKeyFile, format: .pem),
            trusting: try NIOSSLCertificate.fromPEMFile(cloud.serverIdentity.caCertificateFile),
            group: group,
            requestTimeout: .seconds(5)
        )
    }

    /// The hub's certificate as `openssl s_client` receives it, printed as text.
    private func presentedCertificate(port: Int, scratch: TemporaryDirectory) throws -> String {
        let handshake = try ExternalTool.run(
            "openssl",
            ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"],
            standardInput: ""
        )
        let pem = scratch.file("presented-\(UUID().uuidString).pem")
        try handshake.standardOutput.write(toFile: pem, atomically: true, encoding: .utf8)
        return try ExternalTool.run("openssl", ["x509", "-in", pem, "-noout", "-issuer", "-ext", "subjectAltName"])
            .standardOutput
    }
}
