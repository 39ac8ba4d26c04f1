import Crypto
import Foundation
import SwiftASN1
import X509

@testable import KelvinCloud

/// Certificates made in memory for tests of the emulator's authentication logic: roots,
/// intermediates and device leaves with chosen validity, no files involved.
struct IssuedCertificate {
    var certificate: Certificate
    var key: P256.Signing.PrivateKey

    var der: [UInt8] {
        var serializer = DER.Serializer()
        try! serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    var presented: PresentedCertificate { try! PresentedCertificate(derBytes: der) }

    var pem: String { try! certificate.serializeAsPEM().pemString }
}

enum InMemoryPKI {
    /// `extensions` replaces the usual ones (a CA without a path-length limit, keyCertSign).
    static func certificateAuthority(
        _ commonName: String,
        signedBy issuer: IssuedCertificate? = nil,
        notBefore: Date = Date(timeIntervalSinceNow: -3600),
        notAfter: Date = Date(timeIntervalSinceNow: 86_400),
        extensions: Certificate.Extensions? = nil
    ) -> IssuedCertificate {
        issue(commonName, signedBy: issuer, notBefore: notBefore, notAfter: notAfter, isAuthority: true, extensions: extensions)
    }

    /// A device leaf; `issuer` `nil` makes it self-signed.
    static func device(
        _ commonName: String,
        signedBy issuer: IssuedCertificate? = nil,
        notBefore: Date = Date(timeIntervalSinceNow: -3600),
        notAfter: Date = Date(timeIntervalSinceNow: 86_400),
        extensions: Certificate.Extensions? = nil
    ) -> IssuedCertificate {
        issue(commonName, signedBy: issuer, notBefore: notBefore, notAfter: notAfter, isAuthority: false, extensions: extensions)
    }

    private static func issue(
        _ commonName: String,
        signedBy issuer: IssuedCertificate?,
        notBefore: Date,
        notAfter: Date,
        isAuthority: Bool,
        extensions: Certificate.Extensions?
    ) -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let subject = try! DistinguishedName { CommonName(commonName) }
        let certificate = try! Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: issuer?.certificate.subject ?? subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try! extensions ?? Certificate.Extensions {
                if isAuthority {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true))
                } else {
                    Critical(BasicConstraints.notCertificateAuthority)
                    try ExtendedKeyUsage([.clientAuth])
                }
            },
            issuerPrivateKey: Certificate.PrivateKey(issuer?.key ?? key)
        )
        return IssuedCertificate(certificate: certificate, key: key)
    }
}
