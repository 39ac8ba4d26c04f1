import Foundation
import Testing

@testable import KelvinCloud

/// The seed walkthrough's three curl commands, verbatim except for the host (and `--cacert` for
/// the emulator's test CA), for the self-signed identity (passphrase-protected key, `--cert
/// file:1234`) and for the chain identity of a group enrollment (`--cert <full chain>`).
@Suite struct SeedWalkthroughTests {
    static let passphrase = "1234"

    /// What `curl -i` printed: the last response's status and headers, then the body.
    struct Printed {
        var status: Int?
        var body: String
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }

        init(_ run: ToolRun) {
            let sections = run.standardOutput.components(separatedBy: "\r\n\r\n")
            let head = sections.dropLast().last ?? ""
            status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            body = sections.last ?? ""
        }
    }

    /// Runs one walkthrough command: `curl -L -i -X METHOD --cert CERT --key KEY -H … [-d BODY] URL`.
    static func walkthroughCommand(
        _ method: String,
        cert: String,
        key: String,
        body: String?,
        url: String,
        caFile: String
    ) throws -> ToolRun {
        var arguments = ["-L", "-i", "-X", method, "--cert", cert, "--key", key]
        arguments += ["-H", "Content-Type: application/json", "-H", "Content-Encoding:  utf-8"]
        if let body { arguments += ["-d", body] }
        arguments += [url, "--cacert", caFile, "--max-time", "20", "-sS"]
        return try ExternalTool.run("curl", arguments)
    }

    /// Register, poll the operation until assigned, send `{"temperature": 30}`; returns the
    /// assignment.
    static func runWalkthrough(
        cloud server: CloudServer,
        caFile: String,
        registrationID: String,
        cert: String,
        key: String
    ) throws -> [String: Any] {
        let dps = "https://localhost:\(server.dpsPort)/0ne00000001/registrations/\(registrationID)"
        let registered = Printed(
            try walkthroughCommand(
                "PUT",
                cert: cert,
                key: key,
                body: #"{"registrationId": "\#(registrationID)"}"#,
                url: "\(dps)/register?api-version=2021-06-01",
                caFile: caFile
            )
        )
        #expect(registered.status == 202, "\(registered.body)")
        let operationID = try #require(registered.json["operationId"] as? String)

        var status = Printed(
            try walkthroughCommand("GET", cert: cert, key: key, body: nil, url: "\(dps)/operations/\(operationID)?api-version=2021-06-01", caFile: caFile)
        )
        for _ in 0..<5 where status.status == 202 {
            Thread.sleep(forTimeInterval: 1)
            status = Printed(
                try walkthroughCommand("GET", cert: cert, key: key, body: nil, url: "\(dps)/operations/\(operationID)?api-version=2021-06-01", caFile: caFile)
            )
        }
        #expect(status.status == 200)
        #expect(status.json["status"] as? String == "assigned")
        let state = try #require(status.json["registrationState"] as? [String: Any])
        let hub = try #require(state["assignedHub"] as? String)
        let deviceID = try #require(state["deviceId"] as? String)

        let sent = Printed(
            try walkthroughCommand(
                "POST",
                cert: cert,
                key: key,
                body: #"{"temperature": 30}"#,
                url: "https://\(hub)/devices/\(deviceID)/messages/events?api-version=2020-03-13",
                caFile: caFile
            )
        )
        #expect(sent.status == 204)
        return state
    }

    static func startServer(_ identity: ServerIdentityFiles, _ enrollments: EnrollmentRegistry) throws -> CloudServer {
        var configuration = CloudConfiguration(serverIdentity: identity)
        configuration.enrollmentRegistry = enrollments
        configuration.retryAfterSeconds = 1
        configuration.log = { _ in }
        let server = try CloudServer(configuration: configuration)
        try server.start()
        return server
    }

    @Test func selfSignedIdentityWithPassphrase_registersPollsAndSends() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let serverIdentity = try TestIdentity.createServerIdentity(in: scratch.path)
        let device = try TestIdentity.createSelfSignedDevice(
            registrationID: "my-x509-device",
            in: scratch.path,
            passphrase: Array(Self.passphrase.utf8)
        )
        let server = try Self.startServer(
            serverIdentity,
            EnrollmentRegistry(individualEnrollments: [try Enrollment(certificatePEMFile: device.certificateFile)])
        )
        defer { try? server.shutdown() }

        let state = try Self.runWalkthrough(
            cloud: server,
            caFile: serverIdentity.caCertificateFile,
            registrationID: "my-x509-device",
            cert: "\(device.certificateFile):\(Self.passphrase)",
            key: device.privateKeyFile
        )
        #expect(state["deviceId"] as? String == "my-x509-device")
        #expect(server.receivedTelemetry.map(\.body) == [#"{"temperature": 30}"#])
    }

    @Test func chainIdentityOfAGroupEnrollment_registersPollsAndSends() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let serverIdentity = try TestIdentity.createServerIdentity(in: scratch.path)
        let chain = try TestIdentity.createChainDevice(registrationID: "device-01", name: "device-01", in: scratch.path)
        let server = try Self.startServer(
            serverIdentity,
            EnrollmentRegistry(
                groups: [EnrollmentGroup(groupID: "fleet", certificateAuthorityName: "root")],
                certificateAuthorities: [
                    try CertificateAuthority(name: "root", certificatePEMFile: chain.authorities.root.certificateFile)
                ]
            )
        )
        defer { try? server.shutdown() }

        let state = try Self.runWalkthrough(
            cloud: server,
            caFile: serverIdentity.caCertificateFile,
            registrationID: "device-01",
            cert: chain.fullChainFile,
            key: chain.device.privateKeyFile
        )
        #expect((state["x509"] as? [String: Any])?["enrollmentGroupId"] as? String == "fleet")
        #expect(server.receivedTelemetry.map(\.deviceID) == ["device-01"])

        // The leaf alone does not reach the verified root: DPS refuses it.
        let leafOnly = Printed(
            try Self.walkthroughCommand(
                "PUT",
                cert: chain.device.certificateFile,
                key: chain.device.privateKeyFile,
                body: #"{"registrationId": "device-01"}"#,
                url: "https://localhost:\(server.dpsPort)/0ne00000001/registrations/device-01/register?api-version=2021-06-01",
                caFile: serverIdentity.caCertificateFile
            )
        )
        #expect(leafOnly.status == 401)
        #expect(leafOnly.json["errorCode"] as? Int == 401002)
    }
}
