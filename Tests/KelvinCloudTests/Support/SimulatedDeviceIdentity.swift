import KelvinCloud
import NIOSSL

/// A device's self-signed client identity, generated and kept in memory so a test can have
/// a thousand of them without writing two thousand files.
///
/// The certificate is ``InMemoryPKI``'s self-signed device: `CN=<registration ID>`, ECDSA P-256,
/// the clientAuth EKU.
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
        let issued = InMemoryPKI.device(registrationID, notBefore: validity.notBefore, notAfter: validity.notAfter)
        self.registrationID = registrationID
        self.certificate = try NIOSSLCertificate(bytes: issued.der, format: .der)
        self.privateKey = try NIOSSLPrivateKey(bytes: Array(issued.key.derRepresentation), format: .der)
        self.thumbprint = CertificateThumbprint(certificateDER: issued.der)
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
