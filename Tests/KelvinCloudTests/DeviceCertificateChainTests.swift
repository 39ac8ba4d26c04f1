import Foundation
import Testing

@testable import KelvinCloud

/// Root → intermediate → device, checked with openssl as a group-enrollment verifier would.
@Suite struct DeviceCertificateChainTests {
    @Test func chainDevice_verifiesFromTheRootThroughTheIntermediate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let chain = try TestIdentity.createChainDevice(registrationID: "group-device-1", in: directory.path)

        let verify = try OpenSSL.run([
            "verify", "-CAfile", chain.authorities.root.certificateFile,
            "-untrusted", chain.authorities.intermediate.certificateFile,
            "-purpose", "sslclient", chain.device.certificateFile,
        ])
        #expect(verify.exitCode == 0, "\(verify.standardOutput)\(verify.standardError)")
        // Without the intermediate there is no path: the leaf really is issued by it, not the root.
        let withoutIntermediate = try OpenSSL.run([
            "verify", "-CAfile", chain.authorities.root.certificateFile, chain.device.certificateFile,
        ])
        #expect(withoutIntermediate.exitCode != 0)

        let names = try OpenSSL.subjectAndExtendedKeyUsage(chain.device.certificateFile)
        #expect(names.hasPrefix("subject=CN = group-device-1\n"))
        #expect(names.contains("TLS Web Client Authentication"))
        #expect(
            try OpenSSL.publicKey(ofPrivateKey: chain.device.privateKeyFile)
                == (try OpenSSL.publicKey(ofCertificate: chain.device.certificateFile))
        )
    }

    @Test func fullChainFile_holdsTheLeafThenTheIntermediate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let chain = try TestIdentity.createChainDevice(registrationID: "group-device-1", name: "sensor", in: directory.path)
        #expect(chain.fullChainFile == directory.file("sensor-fullchain.pem"))
        #expect(chain.device.certificateFile == directory.file("sensor-cert.pem"))
        #expect(chain.device.privateKeyFile == directory.file("sensor-key.pem"))

        let certificates = try PEMFile.certificates(at: chain.fullChainFile)
        #expect(certificates == [chain.device.certificateDER, chain.authorities.intermediate.certificateDER])
        #expect(try PEMFile.certificates(at: chain.device.certificateFile) == [chain.device.certificateDER])
        // openssl reads the same order: the first block is the device.
        let first = try OpenSSL.run(["x509", "-in", chain.fullChainFile, "-noout", "-subject"]).standardOutput
        #expect(first == "subject=CN = group-device-1\n")
    }

    @Test func authorities_areCAsWithPathLengthsKeyUsageAndKeyIdentifiers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let authorities = try TestIdentity.createCertificateAuthorities(in: directory.path)

        let root = try OpenSSL.run(["x509", "-in", authorities.root.certificateFile, "-noout", "-text"]).standardOutput
        #expect(root.contains("CA:TRUE, pathlen:1"))
        #expect(root.contains("Certificate Sign, CRL Sign"))
        #expect(root.contains("X509v3 Subject Key Identifier"))
        let intermediate = try OpenSSL.run(["x509", "-in", authorities.intermediate.certificateFile, "-noout", "-text"])
            .standardOutput
        #expect(intermediate.contains("CA:TRUE, pathlen:0"))
        #expect(intermediate.contains("Certificate Sign, CRL Sign"))
        let rootKeyIdentifier = try authorities.root.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let intermediateAuthority = try authorities.intermediate.certificate.extensions.authorityKeyIdentifier
        #expect(rootKeyIdentifier != nil)
        #expect(intermediateAuthority?.keyIdentifier == rootKeyIdentifier)
    }

    @Test func keyFiles_areReadableByTheOwnerOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let chain = try TestIdentity.createChainDevice(
            registrationID: "group-device-1",
            in: directory.path,
            passphrase: Array("1234".utf8)
        )
        let keyFiles = [
            chain.authorities.root.privateKeyFile, chain.authorities.intermediate.privateKeyFile,
            chain.device.privateKeyFile,
        ]
        for file in keyFiles {
            let permissions = try filePermissions(file)
            #expect(permissions == 0o600, "\(file)")
        }
        let certificatePermissions = try filePermissions(chain.fullChainFile)
        #expect(certificatePermissions != 0o600)
    }

    @Test func secondDevice_isIssuedUnderTheSameRootAndIntermediate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try TestIdentity.createChainDevice(registrationID: "group-device-1", name: "one", in: directory.path)
        let rootPEM = try String(contentsOfFile: first.authorities.root.certificateFile, encoding: .utf8)
        let rootKeyPEM = try String(contentsOfFile: first.authorities.root.privateKeyFile, encoding: .utf8)

        let second = try TestIdentity.createChainDevice(registrationID: "group-device-2", name: "two", in: directory.path)
        #expect(first.authorities.root.outcome == .created)
        #expect(second.authorities.root.outcome == .kept)
        #expect(second.authorities.intermediate.outcome == .kept)
        #expect(second.authorities == DeviceCertificateAuthorities(
            root: CertificateAuthorityFiles(
                certificateFile: first.authorities.root.certificateFile,
                privateKeyFile: first.authorities.root.privateKeyFile,
                certificate: first.authorities.root.certificate,
                certificateDER: first.authorities.root.certificateDER,
                outcome: .kept
            ),
            intermediate: CertificateAuthorityFiles(
                certificateFile: first.authorities.intermediate.certificateFile,
                privateKeyFile: first.authorities.intermediate.privateKeyFile,
                certificate: first.authorities.intermediate.certificate,
                certificateDER: first.authorities.intermediate.certificateDER,
                outcome: .kept
            )
        ))
        #expect(try String(contentsOfFile: second.authorities.root.certificateFile, encoding: .utf8) == rootPEM)
        #expect(try String(contentsOfFile: second.authorities.root.privateKeyFile, encoding: .utf8) == rootKeyPEM)
        // The first device still verifies: nothing it depends on was replaced.
        for device in [first.device, second.device] {
            let verify = try OpenSSL.run([
                "verify", "-CAfile", second.authorities.root.certificateFile,
                "-untrusted", second.authorities.intermediate.certificateFile, device.certificateFile,
            ])
            #expect(verify.exitCode == 0, "\(device.certificateFile): \(verify.standardError)")
        }
    }

    @Test func sameRequestAgain_keepsTheDeviceAndRewritesTheFullChain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let passphrase = Array("1234".utf8)
        let first = try TestIdentity.createChainDevice(registrationID: "group-device-1", in: directory.path, passphrase: passphrase)
        try FileManager.default.removeItem(atPath: first.fullChainFile)

        let again = try TestIdentity.createChainDevice(registrationID: "group-device-1", in: directory.path, passphrase: passphrase)
        #expect(again.device.outcome == .kept)
        #expect(again.device.thumbprint == first.device.thumbprint)
        #expect(try PEMFile.certificates(at: again.fullChainFile).count == 2)

        let unencrypted = try TestIdentity.createChainDevice(registrationID: "group-device-1", in: directory.path)
        #expect(unencrypted.device.outcome == .created)
        #expect(unencrypted.device.thumbprint != first.device.thumbprint)
    }

    @Test func expiredRoot_isReplacedWithANewRootAndIntermediate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let lastYear = Date().addingTimeInterval(-365 * 86_400)
        let expired = try TestIdentity.createCertificateAuthorities(
            in: directory.path,
            validity: .days(30, from: lastYear)
        )
        let replaced = try TestIdentity.createCertificateAuthorities(in: directory.path)
        #expect(replaced.root.outcome == .created)
        #expect(replaced.intermediate.outcome == .created)
        #expect(replaced.root.certificateDER != expired.root.certificateDER)
        let checkEnd = try OpenSSL.run(["x509", "-in", replaced.root.certificateFile, "-noout", "-checkend", "0"])
        #expect(checkEnd.exitCode == 0)
    }

    @Test func leafOutsideItsValidity_isRejectedByOpenSSL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let now = Date()
        let expired = try TestIdentity.createChainDevice(
            registrationID: "expired-device",
            name: "expired",
            in: directory.path,
            validity: CertificateValidity(notBefore: now.addingTimeInterval(-2 * 86_400), notAfter: now.addingTimeInterval(-86_400))
        )
        let early = try TestIdentity.createChainDevice(
            registrationID: "early-device",
            name: "early",
            in: directory.path,
            validity: CertificateValidity(notBefore: now.addingTimeInterval(86_400), notAfter: now.addingTimeInterval(2 * 86_400))
        )

        func verify(_ device: DeviceIdentityFiles) throws -> ToolRun {
            try OpenSSL.run([
                "verify", "-CAfile", expired.authorities.root.certificateFile,
                "-untrusted", expired.authorities.intermediate.certificateFile, device.certificateFile,
            ])
        }
        let expiredRun = try verify(expired.device)
        #expect(expiredRun.exitCode != 0)
        #expect("\(expiredRun.standardOutput)\(expiredRun.standardError)".contains("certificate has expired"))
        let earlyRun = try verify(early.device)
        #expect(earlyRun.exitCode != 0)
        #expect("\(earlyRun.standardOutput)\(earlyRun.standardError)".contains("certificate is not yet valid"))
    }

    @Test func reservedDeviceName_isRefusedBeforeAnyCAFileIsOverwritten() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let authorities = try TestIdentity.createCertificateAuthorities(in: directory.path)
        #expect(throws: IdentityFileError.self) {
            try TestIdentity.createChainDevice(registrationID: "root-ca", name: "root-ca", in: directory.path)
        }
        #expect(try PEMFile.certificates(at: authorities.root.certificateFile) == [authorities.root.certificateDER])
    }
}
