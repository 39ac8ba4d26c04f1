import SwiftASN1
import X509

/// What the emulator needs to know about a certificate: who it claims to be and its thumbprint.
///
/// Used both for the leaf a TLS client presents and for enrolled certificates read from files, so
/// that both sides of the comparison are derived the same way.
public struct PresentedCertificate: Sendable, Hashable {
    /// The subject common name, which DPS uses as the registration ID; `nil` if the subject has none.
    public let commonName: String?
    public let thumbprint: CertificateThumbprint
    /// The parsed certificate; `nil` only for the thumbprint-only stand-ins unit tests build, which
    /// then skip the checks that need the certificate itself (validity, issuer, signature).
    public let certificate: Certificate?

    init(commonName: String?, thumbprint: CertificateThumbprint) {
        self.commonName = commonName
        self.thumbprint = thumbprint
        self.certificate = nil
    }

    /// Parses a DER certificate.
    ///
    /// - Throws: an error from swift-certificates when the bytes are not an X.509 certificate.
    public init(derBytes: [UInt8]) throws {
        let certificate = try Certificate(derEncoded: derBytes)
        self.commonName = certificate.subject.commonName
        self.thumbprint = CertificateThumbprint(certificateDER: derBytes)
        self.certificate = certificate
    }

    /// True when the certificate names itself as issuer and its own key verifies its signature.
    var isSelfSigned: Bool {
        guard let certificate else { return false }
        return certificate.isSelfSigned
    }
}

extension Certificate {
    var isSelfSigned: Bool {
        issuer == subject && publicKey.isValidSignature(signature, for: self)
    }

    /// True when `issuerCandidate` is named as this certificate's issuer and its key made the signature.
    func isIssued(by issuerCandidate: Certificate) -> Bool {
        issuer == issuerCandidate.subject && issuerCandidate.publicKey.isValidSignature(signature, for: self)
    }

    var isCertificateAuthority: Bool {
        guard let constraints = try? extensions.basicConstraints else { return false }
        if case .isCertificateAuthority = constraints { return true }
        return false
    }

    var thumbprint: CertificateThumbprint {
        var serializer = DER.Serializer()
        // A parsed certificate always re-serializes to the bytes it was parsed from.
        try? serializer.serialize(self)
        return CertificateThumbprint(certificateDER: serializer.serializedBytes)
    }
}

extension DistinguishedName {
    /// The most specific CN (the last one in RDN order, as OpenSSL reports it), decoded as text.
    var commonName: String? {
        var found: String?
        for relativeName in self {
            for attribute in relativeName where attribute.type == .RDNAttributeType.commonName {
                found = String(attribute.value)
            }
        }
        return found
    }
}
