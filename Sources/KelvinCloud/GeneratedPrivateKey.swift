import Crypto
import SwiftASN1
import X509
import _CryptoExtras

/// A fresh private key, usable for signing and writable as PKCS#8.
///
/// Kept next to swift-certificates' `Certificate.PrivateKey` because that type only serializes RSA
/// keys as PKCS#1 (`RSA PRIVATE KEY`), and both the plain and the encrypted key files are PKCS#8.
struct GeneratedPrivateKey {
    let certificateKey: Certificate.PrivateKey
    let pkcs8DER: [UInt8]

    init(_ algorithm: DeviceKeyAlgorithm) throws {
        switch algorithm {
        case .ecP256:
            let key = P256.Signing.PrivateKey()
            certificateKey = Certificate.PrivateKey(key)
            pkcs8DER = Array(key.derRepresentation)
        case .rsa4096:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits4096)
            certificateKey = Certificate.PrivateKey(key)
            pkcs8DER = Array(key.pkcs8DERRepresentation)
        }
    }

    var publicKey: Certificate.PublicKey { certificateKey.publicKey }

    /// `PRIVATE KEY` PEM, or `ENCRYPTED PRIVATE KEY` PEM when a passphrase is given.
    ///
    /// - Throws: an error from ``EncryptedPrivateKeyPEM/encrypt(pkcs8DER:passphrase:)``.
    func pemText(passphrase: [UInt8]?) throws -> String {
        if let passphrase {
            return try EncryptedPrivateKeyPEM.encrypt(pkcs8DER: pkcs8DER, passphrase: passphrase)
        }
        return PEMDocument(type: "PRIVATE KEY", derBytes: pkcs8DER).pemString + "\n"
    }
}
