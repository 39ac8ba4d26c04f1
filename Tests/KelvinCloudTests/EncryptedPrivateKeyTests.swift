import Foundation
import SwiftASN1
import Testing

@testable import KelvinCloud

/// Passphrase-protected device keys, opened by openssl as curl and the device would.
@Suite struct EncryptedPrivateKeyTests {
    static let passphrase = "correct horse battery staple"

    @Test func encryptedDeviceKey_opensWithThePassphraseAndMatchesTheCertificate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let passphraseFile = directory.file("passphrase")
        // With the line end `echo` adds, which neither openssl nor the device takes as part of it.
        try (Self.passphrase + "\n").write(toFile: passphraseFile, atomically: true, encoding: .utf8)

        let device = try TestIdentity.createSelfSignedDevice(
            registrationID: "locked-device",
            in: directory.path,
            passphrase: Array(Self.passphrase.utf8)
        )
        #expect(device.isPrivateKeyEncrypted)
        let keyText = try String(contentsOfFile: device.privateKeyFile, encoding: .utf8)
        #expect(keyText.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"))
        #expect(!keyText.contains(Self.passphrase))

        let opened = try OpenSSL.publicKey(ofPrivateKey: device.privateKeyFile, passphraseFile: passphraseFile)
        #expect(opened.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(opened == (try OpenSSL.publicKey(ofCertificate: device.certificateFile)))
        let permissions = try filePermissions(device.privateKeyFile)
        #expect(permissions == 0o600)
    }

    @Test func encryptedDeviceKey_doesNotOpenWithAWrongPassphrase() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let wrongFile = directory.file("wrong-passphrase")
        try "correct horse battery stapler\n".write(toFile: wrongFile, atomically: true, encoding: .utf8)
        let device = try TestIdentity.createSelfSignedDevice(
            registrationID: "locked-device",
            in: directory.path,
            passphrase: Array(Self.passphrase.utf8)
        )

        let withWrong = try OpenSSL.run(["pkey", "-in", device.privateKeyFile, "-passin", "file:\(wrongFile)", "-noout"])
        #expect(withWrong.exitCode != 0)
        let withNone = try OpenSSL.run(["pkey", "-in", device.privateKeyFile, "-passin", "pass:", "-noout"])
        #expect(withNone.exitCode != 0)
        #expect(throws: EncryptedPrivateKeyError.wrongPassphrase) {
            try EncryptedPrivateKeyPEM.decrypt(
                try PEMDocument(pemString: try String(contentsOfFile: device.privateKeyFile, encoding: .utf8)),
                passphrase: Array("correct horse battery stapler".utf8)
            )
        }
    }

    /// The parameters openssl reports are the ones the house chose: PBES2, PBKDF2-HMAC-SHA256 with
    /// a 16-byte salt and 210,000 rounds, AES-256-CBC.
    @Test func encryptedKey_usesPBES2WithPBKDF2SHA256AndAES256CBC() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = try GeneratedPrivateKey(.ecP256)
        let keyFile = directory.file("key.pem")
        try key.pemText(passphrase: Array("1234".utf8)).write(toFile: keyFile, atomically: true, encoding: .utf8)

        let parsed = try OpenSSL.run(["asn1parse", "-in", keyFile]).standardOutput
        #expect(parsed.contains(":PBES2"))
        #expect(parsed.contains(":PBKDF2"))
        #expect(parsed.contains(":hmacWithSHA256"))
        #expect(parsed.contains(":aes-256-cbc"))
        #expect(parsed.contains("prim: INTEGER           :033450"))  // 210,000 in hex
        // The salt and the IV, 16 bytes each.
        #expect(parsed.components(separatedBy: "l=  16 prim: OCTET STRING").count - 1 == 2)
        let pkcs8 = try OpenSSL.run(["pkcs8", "-in", keyFile, "-passin", "pass:1234", "-nocrypt", "-topk8"])
        #expect(pkcs8.standardOutput.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test func encryptAndDecrypt_roundTripWithFreshSaltAndIV() throws {
        let pkcs8 = try GeneratedPrivateKey(.ecP256).pkcs8DER
        let passphrase = Array("1234".utf8)
        let first = try EncryptedPrivateKeyPEM.encrypt(pkcs8DER: pkcs8, passphrase: passphrase)
        let second = try EncryptedPrivateKeyPEM.encrypt(pkcs8DER: pkcs8, passphrase: passphrase)
        #expect(first != second)
        #expect(try EncryptedPrivateKeyPEM.decrypt(PEMDocument(pemString: first), passphrase: passphrase) == pkcs8)
        #expect(throws: EncryptedPrivateKeyError.emptyPassphrase) {
            try EncryptedPrivateKeyPEM.encrypt(pkcs8DER: pkcs8, passphrase: [])
        }
    }

    /// A key `openssl pkcs8 -topk8 -v2 aes-256-cbc` encrypted (2,048 rounds, OpenSSL's default)
    /// opens too, so keys made the walkthrough's way can be reused.
    @Test func keyEncryptedByOpenSSL_opensInProcess() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let plainFile = directory.file("plain.pem")
        let encryptedFile = directory.file("encrypted.pem")
        let key = try GeneratedPrivateKey(.ecP256)
        try key.pemText(passphrase: nil).write(toFile: plainFile, atomically: true, encoding: .utf8)
        let converted = try OpenSSL.run([
            "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", plainFile, "-out", encryptedFile, "-passout", "pass:1234",
        ])
        #expect(converted.exitCode == 0, "\(converted.standardError)")

        let opened = try PEMFile.privateKey(at: encryptedFile, passphrase: Array("1234".utf8))
        #expect(opened.publicKey == key.publicKey)
        #expect(throws: IdentityFileError.self) { try PEMFile.privateKey(at: encryptedFile) }
    }
}
