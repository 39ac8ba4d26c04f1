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

    init(commonName: String?, thumbprint: CertificateThumbprint) {
        self.commonName = commonName
        self.thumbprint = thumbprint
    }

    /// Parses a DER certificate.
    ///
    /// - Throws: an error from swift-certificates when the bytes are not an X.509 certificate.
    public init(derBytes: [UInt8]) throws {
        let certificate = try Certificate(derEncoded: derBytes)
        self.commonName = certificate.subject.commonName
        self.thumbprint = CertificateThumbprint(certificateDER: derBytes)
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
