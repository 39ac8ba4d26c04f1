import Crypto
import KelvinCloud
import NIOSSL
import X509

/// A device's self-signed client identity, generated and kept in memory so a test can have
/// a thousand of them without writing two thousand files.
///
/// The certificate has the shape `TestIdentity.createSelfSignedDevice` writes: subject and
/// issuer `CN=<registration ID>`, ECDSA P-256, the clientAuth EKU.
struct SimulatedDeviceIdentity: Sendable {
    let registrationID: String
    let certificate: NIOSSLCertificate
    let privateKey: NIOSSLPrivateKey
    /// SHA-256 of the certificate's DER, as DPS and the hub compare it.
    let thumbprint: CertificateThumbprint

    /// An individual enrollment for this certificate; the device ID is the registration ID.
    var enrollment: Enrollment {
        Enrollment(registrationID: registrationID, thumbprint: thumbprint)
    }

    /// - Throws: an error from swift-certificates if signing fails, or from NIOSSL if it cannot
    ///   load what was generated.
    init(registrationID: String, validity: CertificateValidity = .days(1)) throws {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let subject = try DistinguishedName { CommonName(registrationID) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: validity.notBefore,
            notValidAfter: validity.notAfter,
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        let der = try certificate.serializeAsPEM().derBytes
        self.registrationID = registrationID
        self.certificate = try NIOSSLCertificate(bytes: der, format: .der)
        self.privateKey = try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der)
        self.thumbprint = CertificateThumbprint(certificateDER: der)
    }

    /// `count` identities named `<prefix>0000`, `<prefix>0001`, … (zero-padded so they sort).
    static func make(count: Int, registrationIDPrefix prefix: String) throws -> [SimulatedDeviceIdentity] {
        let digits = String(max(count - 1, 0)).count
        return try (0..<count).map { index in
            let number = String(index)
            let padding = String(repeating: "0", count: max(0, digits - number.count))
            return try SimulatedDeviceIdentity(registrationID: prefix + padding + number)
        }
    }
}
