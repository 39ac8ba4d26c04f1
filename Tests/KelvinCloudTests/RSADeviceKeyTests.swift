import Foundation
import Testing

@testable import KelvinCloud

/// The walkthrough's `openssl req -newkey rsa:4096` identity. Generating an RSA-4096 key takes
/// seconds, so one test makes one key and checks everything about it.
@Suite struct RSADeviceKeyTests {
    @Test func rsa4096Device_isA4096BitSelfSignedClientCertificateWithAnEncryptedPKCS8Key() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let passphraseFile = directory.file("passphrase")
        try "1234\n".write(toFile: passphraseFile, atomically: true, encoding: .utf8)

        let device = try TestIdentity.createSelfSignedDevice(
            registrationID: "my-x509-device",
            in: directory.path,
            keyAlgorithm: .rsa4096,
            passphrase: Array("1234".utf8)
        )
        #expect(device.keyAlgorithm == .rsa4096)

        let text = try OpenSSL.run(["x509", "-in", device.certificateFile, "-noout", "-text"]).standardOutput
        #expect(text.contains("Public-Key: (4096 bit)"))
        #expect(text.contains("Signature Algorithm: sha256WithRSAEncryption"))
        let names = try OpenSSL.subjectAndExtendedKeyUsage(device.certificateFile)
        #expect(names.hasPrefix("subject=CN = my-x509-device\n"))
        #expect(names.contains("TLS Web Client Authentication"))
        let selfSigned = try OpenSSL.run(["verify", "-CAfile", device.certificateFile, device.certificateFile])
        #expect(selfSigned.exitCode == 0, "\(selfSigned.standardError)")

        let keyText = try String(contentsOfFile: device.privateKeyFile, encoding: .utf8)
        #expect(keyText.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        let keyDetails = try OpenSSL.run([
            "pkey", "-in", device.privateKeyFile, "-passin", "file:\(passphraseFile)", "-noout", "-text",
        ]).standardOutput
        #expect(keyDetails.contains("Private-Key: (4096 bit, 2 primes)"))
        #expect(
            try OpenSSL.publicKey(ofPrivateKey: device.privateKeyFile, passphraseFile: passphraseFile)
                == (try OpenSSL.publicKey(ofCertificate: device.certificateFile))
        )

        // Asked again, the RSA identity is kept, not regenerated; asked for EC, it is replaced.
        let again = try TestIdentity.createSelfSignedDevice(
            registrationID: "my-x509-device",
            in: directory.path,
            keyAlgorithm: .rsa4096,
            passphrase: Array("1234".utf8)
        )
        #expect(again.outcome == .kept)
        #expect(again.thumbprint == device.thumbprint)
        let elliptic = try TestIdentity.createSelfSignedDevice(
            registrationID: "my-x509-device",
            in: directory.path,
            passphrase: Array("1234".utf8)
        )
        #expect(elliptic.outcome == .created)
        #expect(elliptic.keyAlgorithm == .ecP256)
    }
}
