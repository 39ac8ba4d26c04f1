import Foundation
import Testing

@testable import KelvinCloud
@testable import kelvin_cloud

/// `kelvin-cloud pki sign`: a device certificate for a key the emulator never sees, from a CSR
/// made by openssl as `kelvin key csr` makes one (CN = registration ID, signed by the key).
@Suite struct CertificateRequestSigningTests {
    /// A key and a CSR for it, as a device holding its key elsewhere would send.
    private static func request(commonName: String, in directory: TemporaryDirectory) throws -> (csr: String, key: String) {
        let key = directory.file("device-key.pem")
        let csr = directory.file("device.csr")
        let made = try OpenSSL.run([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-subj", "/CN=\(commonName)", "-out", csr,
        ])
        #expect(made.exitCode == 0, "\(made.standardError)")
        return (csr, key)
    }

    @Test func signedRequest_chainsToTheRootThroughTheIntermediateWithTheRequestersKey() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (csr, key) = try Self.request(commonName: "tpm-device-1", in: directory)
        let output = directory.file("device-cert.pem")
        let signed = try TestIdentity.signRequest(at: csr, writingTo: output, in: directory.path)
        #expect(signed.registrationID == "tpm-device-1")

        let verify = try OpenSSL.run([
            "verify", "-CAfile", signed.authorities.root.certificateFile,
            "-untrusted", signed.authorities.intermediate.certificateFile, "-purpose", "sslclient", output,
        ])
        #expect(verify.exitCode == 0, "\(verify.standardOutput)\(verify.standardError)")
        #expect(try OpenSSL.publicKey(ofPrivateKey: key) == (try OpenSSL.publicKey(ofCertificate: output)))
        // Leaf, then intermediate: what the device sends to a group enrollment.
        #expect(try PEMFile.certificates(at: output).count == 2)
        #expect(try PEMFile.certificates(at: output)[1] == signed.authorities.intermediate.certificateDER)
        #expect(try OpenSSL.subjectAndExtendedKeyUsage(output).contains("TLS Web Client Authentication"))
    }

    @Test func requestWhoseSignatureIsNotTheKeys_isRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (csr, _) = try Self.request(commonName: "tpm-device-1", in: directory)
        // The last byte of the signature flipped: the requester does not prove it holds the key.
        let converted = try OpenSSL.run(["req", "-in", csr, "-outform", "DER", "-out", directory.file("device.der")])
        #expect(converted.exitCode == 0)
        var der = try Data(contentsOf: URL(fileURLWithPath: directory.file("device.der")))
        der[der.count - 1] ^= 0x01
        let pem = "-----BEGIN CERTIFICATE REQUEST-----\n" + der.base64EncodedString(options: .lineLength64Characters)
            + "\n-----END CERTIFICATE REQUEST-----\n"
        try pem.write(toFile: csr, atomically: true, encoding: .utf8)
        #expect(throws: CertificateRequestProblem.badSignature(path: csr)) {
            try TestIdentity.signRequest(at: csr, writingTo: directory.file("out.pem"), in: directory.path)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("out.pem")))
    }

    @Test func requestWhoseCNCannotBeARegistrationID_isRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (csr, _) = try Self.request(commonName: "two words", in: directory)
        #expect(throws: CertificateRequestProblem.invalidRegistrationID(path: csr, commonName: "two words")) {
            try TestIdentity.signRequest(at: csr, writingTo: directory.file("out.pem"), in: directory.path)
        }
    }

    @Test func fileThatIsNotARequest_isNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("not.csr")
        try "hello\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CertificateRequestProblem.self) {
            try TestIdentity.signRequest(at: path, writingTo: directory.file("out.pem"), in: directory.path)
        }
    }
}
