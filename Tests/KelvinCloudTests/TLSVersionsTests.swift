import Foundation
import KelvinCloud
import Testing

/// What `serve --tls` negotiates on DPS, the hub and a hub's stand-in certificate, seen by
/// `openssl s_client` (OpenSSL, as the device) with the enrolled device's certificate.
@Suite(.timeLimit(.minutes(1))) struct TLSVersionsTests {
    /// What one handshake came to: the protocol and suite, or nil when it failed.
    private struct Handshake {
        var protocolVersion: String?
        var cipherSuite: String?
        var output: String
    }

    private func handshake(_ cloud: LocalCloud, port: Int, _ options: [String] = []) throws -> Handshake {
        let run = try ExternalTool.run(
            "openssl",
            [
                "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost", "-brief",
                "-cert", cloud.device.certificateFile, "-key", cloud.device.privateKeyFile,
                "-CAfile", cloud.serverIdentity.caCertificateFile,
            ] + options,
            standardInput: ""
        )
        // -brief prints what was agreed on stderr, one "Name: value" line each.
        func value(_ name: String) -> String? {
            run.standardError.split(separator: "\n").first { $0.hasPrefix(name + ": ") }
                .map { String($0.dropFirst(name.count + 2)) }
        }
        let established = run.exitCode == 0 && run.standardError.contains("CONNECTION ESTABLISHED")
        return Handshake(
            protocolVersion: established ? value("Protocol version") : nil,
            cipherSuite: established ? value("Ciphersuite") : nil,
            output: run.standardError
        )
    }

    private func cloud(_ versions: TLSVersions) throws -> LocalCloud {
        try LocalCloud { $0.tlsVersions = versions }
    }

    @Test func defaultConfiguration_isTLS12AsAzure() throws {
        let configuration = CloudConfiguration(serverCertificateFile: "cert.pem", serverKeyFile: "key.pem")
        #expect(configuration.tlsVersions == .tls12)
    }

    /// The client offers 1.3 first, as the device's OpenSSL does; one that offers only the other
    /// version is refused.
    @Test(arguments: [
        (TLSVersions.tls12, "TLSv1.2", "-tls1_3"),
        (.tls13, "TLSv1.3", "-tls1_2"),
    ])
    func oneVersion_isNegotiatedOnDPSAndHub_andAClientWithoutItIsRefused(
        versions: TLSVersions,
        negotiated: String,
        onlyTheOther: String
    ) throws {
        let cloud = try cloud(versions)
        defer { cloud.stop() }

        for port in [cloud.server.dpsPort, cloud.server.hubPort] {
            let agreed = try handshake(cloud, port: port)
            #expect(agreed.protocolVersion == negotiated, "\(agreed.output)")
            if versions == .tls12 {
                #expect(TLSVersions.azureCipherSuites.contains(agreed.cipherSuite ?? ""), "\(agreed.output)")
            }
            let refused = try handshake(cloud, port: port, [onlyTheOther])
            #expect(refused.protocolVersion == nil, "\(refused.output)")
        }
        // Served over that TLS, the emulator still works.
        #expect(try cloud.register(as: cloud.device).status == 202)
    }

    @Test func both_negotiatesTLS13ToAClientThatOffersIt_andTLS12WithAnAzureSuiteToOneThatDoesNot() throws {
        let cloud = try cloud(.both)
        defer { cloud.stop() }

        let newest = try handshake(cloud, port: cloud.server.hubPort)
        #expect(newest.protocolVersion == "TLSv1.3", "\(newest.output)")
        let older = try handshake(cloud, port: cloud.server.hubPort, ["-tls1_2"])
        #expect(older.protocolVersion == "TLSv1.2", "\(older.output)")
        #expect(TLSVersions.azureCipherSuites.contains(older.cipherSuite ?? ""), "\(older.output)")
    }

    /// RSA key exchange (no forward secrecy) and CBC with SHA-1 are outside Azure's list; a
    /// listed CBC-SHA256 suite is not.
    @Test(
        arguments: [TLSVersions.tls12, .both],
        [
            ("AES128-GCM-SHA256", false),
            ("ECDHE-ECDSA-AES128-SHA", false),
            ("ECDHE-ECDSA-AES128-SHA256", true),
            ("ECDHE-ECDSA-AES128-GCM-SHA256", true),
        ])
    func tls12ClientOfferingOneSuite_isServedOnlyWhenAzureListsIt(versions: TLSVersions, suite: (String, Bool)) throws {
        let cloud = try cloud(versions)
        defer { cloud.stop() }

        let (name, listed) = suite
        let agreed = try handshake(cloud, port: cloud.server.hubPort, ["-tls1_2", "-cipher", name])
        if listed {
            #expect(agreed.cipherSuite == name, "\(agreed.output)")
        } else {
            #expect(agreed.protocolVersion == nil, "\(agreed.output)")
            #expect(agreed.output.contains("handshake failure"), "\(agreed.output)")
        }
    }

    @Test func hubStandInCertificate_negotiatesTheConfiguredVersions() throws {
        let cloud = try cloud(.tls12)
        defer { cloud.stop() }

        _ = try cloud.server.setTLSMode(.untrusted, hubName: "hub")
        let agreed = try handshake(cloud, port: cloud.server.hubPort)
        // The stand-in, not the genuine certificate, which the test CA signed.
        #expect(agreed.output.contains("Verification error"), "\(agreed.output)")
        #expect(agreed.protocolVersion == "TLSv1.2", "\(agreed.output)")
        let onlyTLS13 = try handshake(cloud, port: cloud.server.hubPort, ["-tls1_3"])
        #expect(onlyTLS13.protocolVersion == nil, "\(onlyTLS13.output)")
    }
}
