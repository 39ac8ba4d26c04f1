import Foundation
import Testing

@testable import KelvinCloud

/// The generated files, checked with openssl as an independent reader.
@Suite struct TestIdentityTests {
    @Test func serverIdentity_isALocalhostLeafSignedByTheCA() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let nested = directory.file("not/yet/there")
        let files = try TestIdentity.createServerIdentity(in: nested)
        #expect(files.outcome == .created)

        let verify = try ExternalTool.run(
            "openssl",
            ["verify", "-CAfile", files.caCertificateFile, "-purpose", "sslserver", files.certificateFile]
        )
        #expect(verify.exitCode == 0, "\(verify.standardOutput)\(verify.standardError)")
        let text = try ExternalTool.run("openssl", ["x509", "-in", files.certificateFile, "-noout", "-text"])
            .standardOutput
        #expect(text.contains("DNS:localhost"))
        #expect(text.contains("IP Address:127.0.0.1"))
        #expect(text.contains("TLS Web Server Authentication"))
        let key = try ExternalTool.run("openssl", ["pkey", "-in", files.privateKeyFile, "-noout"])
        #expect(key.exitCode == 0)
    }

    @Test func serverIdentity_isKeptWhenStillValid() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try TestIdentity.createServerIdentity(in: directory.path)
        let firstCA = try String(contentsOfFile: first.caCertificateFile, encoding: .utf8)

        let second = try TestIdentity.createServerIdentity(in: directory.path)
        #expect(second.outcome == .kept)
        #expect(try String(contentsOfFile: second.caCertificateFile, encoding: .utf8) == firstCA)
    }

    @Test func serverIdentity_isReplacedWhenTheKeyNoLongerFits() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try TestIdentity.createServerIdentity(in: directory.path)
        let stray = try TestIdentity.createSelfSignedDevice(registrationID: "stray", name: "stray", in: directory.path)
        try FileManager.default.removeItem(atPath: first.privateKeyFile)
        try FileManager.default.copyItem(atPath: stray.privateKeyFile, toPath: first.privateKeyFile)

        #expect(try TestIdentity.createServerIdentity(in: directory.path).outcome == .created)
    }

    @Test func serverIdentity_withExtraNames_coversThemAndKeepsTheCAKey() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        let files = try TestIdentity.createServerIdentity(in: directory.path, extraNames: ["kelvin-hub.test"])

        let text = try ExternalTool.run("openssl", ["x509", "-in", files.certificateFile, "-noout", "-ext", "subjectAltName"])
            .standardOutput
        #expect(text.contains("DNS:localhost, DNS:kelvin-hub.test, IP Address:127.0.0.1"), "\(text)")
        let caKeyFile = try #require(files.caPrivateKeyFile)
        #expect(caKeyFile.hasSuffix("/server-ca-key.pem"))
        #expect(try OpenSSL.publicKey(ofPrivateKey: caKeyFile) == (try OpenSSL.publicKey(ofCertificate: files.caCertificateFile)))
        #expect(try filePermissions(caKeyFile) == 0o600)
        // Asked again for the same names (or fewer), the set is kept.
        #expect(try TestIdentity.createServerIdentity(in: directory.path, extraNames: ["kelvin-hub.test"]).outcome == .kept)
        #expect(try TestIdentity.createServerIdentity(in: directory.path).outcome == .kept)
    }

    @Test func serverIdentity_isReplacedWhenANameItLacksIsAsked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try TestIdentity.createServerIdentity(in: directory.path)

        let again = try TestIdentity.createServerIdentity(in: directory.path, extraNames: ["kelvin-hub.test"])

        #expect(again.outcome == .created)
    }

    /// A Pi on the bench reaching the emulator at a laptop's LAN address needs that address in the
    /// certificate; asking for one the certificate lacks makes a new set, asking again keeps it.
    @Test func serverIdentity_withExtraAddresses_coversThem() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try TestIdentity.createServerIdentity(in: directory.path)
        let lan: [UInt8] = [192, 168, 1, 20]
        let ula: [UInt8] = [0xFD] + Array(repeating: 0, count: 14) + [7]

        let files = try TestIdentity.createServerIdentity(in: directory.path, extraAddresses: [lan, ula])

        #expect(files.outcome == .created)
        let text = try ExternalTool.run("openssl", ["x509", "-in", files.certificateFile, "-noout", "-ext", "subjectAltName"])
            .standardOutput
        #expect(text.contains("IP Address:127.0.0.1, IP Address:192.168.1.20, IP Address:FD00:0:0:0:0:0:0:7"), "\(text)")
        #expect(try TestIdentity.createServerIdentity(in: directory.path, extraAddresses: [lan]).outcome == .kept)
    }

    @Test func serverIdentity_withoutItsCAKey_isReplaced() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try TestIdentity.createServerIdentity(in: directory.path)
        try FileManager.default.removeItem(atPath: try #require(first.caPrivateKeyFile))

        #expect(try TestIdentity.createServerIdentity(in: directory.path).outcome == .created)
    }

    @Test func deviceIdentity_isSelfSignedClientCertificateNamedByRegistrationID() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let device = try TestIdentity.createSelfSignedDevice(registrationID: "my-device", in: directory.path)
        #expect(device.certificateFile.hasSuffix("/device-cert.pem"))
        #expect(device.privateKeyFile.hasSuffix("/device-key.pem"))

        let subject = try ExternalTool.run(
            "openssl",
            ["x509", "-in", device.certificateFile, "-noout", "-subject", "-issuer"]
        )
        #expect(subject.standardOutput == "subject=CN = my-device\nissuer=CN = my-device\n")
        let text = try ExternalTool.run("openssl", ["x509", "-in", device.certificateFile, "-noout", "-text"])
            .standardOutput
        #expect(text.contains("TLS Web Client Authentication"))
        #expect(text.contains("ASN1 OID: prime256v1"))
        let keyText = try String(contentsOfFile: device.privateKeyFile, encoding: .utf8)
        #expect(keyText.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let permissions = try filePermissions(device.privateKeyFile)
        #expect(permissions == 0o600)
    }

    @Test func deviceIdentity_isKeptForTheSameRegistrationIDAndReplacedForAnother() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try TestIdentity.createSelfSignedDevice(registrationID: "my-device", in: directory.path)
        let again = try TestIdentity.createSelfSignedDevice(registrationID: "my-device", in: directory.path)
        #expect(again.outcome == .kept)
        #expect(again.thumbprint == first.thumbprint)

        let renamed = try TestIdentity.createSelfSignedDevice(registrationID: "new-name", in: directory.path)
        #expect(renamed.outcome == .created)
        #expect(renamed.thumbprint != first.thumbprint)
    }

    @Test func deviceValidity_isConfigurable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let device = try TestIdentity.createSelfSignedDevice(
            registrationID: "short-lived",
            in: directory.path,
            validity: .days(2)
        )
        let day = 86_400
        let laterThanOneDay = try ExternalTool.run(
            "openssl",
            ["x509", "-in", device.certificateFile, "-noout", "-checkend", String(day)]
        )
        let laterThanTwoDays = try ExternalTool.run(
            "openssl",
            ["x509", "-in", device.certificateFile, "-noout", "-checkend", String(2 * day)]
        )
        #expect(laterThanOneDay.exitCode == 0)
        #expect(laterThanTwoDays.exitCode != 0)
    }

    @Test func enrollmentFromFile_usesTheCNAndDefaultsTheDeviceID() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let device = try TestIdentity.createSelfSignedDevice(registrationID: "cn-device", in: directory.path)

        let enrollment = try Enrollment(certificatePEMFile: device.certificateFile)
        #expect(enrollment.registrationID == "cn-device")
        #expect(enrollment.deviceID == "cn-device")
        #expect(
            try Enrollment(
                registrationID: "cn-device",
                deviceID: "hub-name",
                certificatePEMFile: device.certificateFile
            ).deviceID == "hub-name"
        )
        #expect(throws: IdentityFileError.missing(path: directory.file("absent.pem"))) {
            try Enrollment(certificatePEMFile: directory.file("absent.pem"))
        }
        #expect(throws: IdentityFileError.noCertificate(path: device.privateKeyFile)) {
            try Enrollment(certificatePEMFile: device.privateKeyFile)
        }
    }
}
