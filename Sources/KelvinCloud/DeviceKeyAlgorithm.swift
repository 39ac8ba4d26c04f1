import Crypto
import X509
import _CryptoExtras

/// The key a generated device certificate is made for.
///
/// EC P-256 is the default because it is fast to generate and small in the device's TLS buffers.
/// RSA-4096 is what the Azure DPS X.509 walkthrough's `openssl req -newkey rsa:4096` makes, for
/// checking the device against the identity people actually start from.
public enum DeviceKeyAlgorithm: String, Sendable, CaseIterable {
    /// ECDSA on NIST P-256 (`prime256v1`), signed with SHA-256.
    case ecP256 = "ec"
    /// RSA with a 4096-bit modulus, signed with SHA-256 (PKCS#1 v1.5). Generating one takes seconds.
    case rsa4096 = "rsa4096"

    /// The algorithm of an existing key, or `nil` for one this helper would not have made.
    init?(of publicKey: Certificate.PublicKey) {
        if P256.Signing.PublicKey(publicKey) != nil {
            self = .ecP256
        } else if let rsa = _RSA.Signing.PublicKey(publicKey), rsa.keySizeInBits == 4096 {
            self = .rsa4096
        } else {
            return nil
        }
    }
}
