import SwiftASN1
import X509

/// A CA certificate uploaded to DPS, and whether its owner proved possession of the key.
///
/// DPS only trusts a chain that reaches a *verified* certificate (protocol facts §4.2), so an
/// uploaded-but-unverified CA is kept: a device chaining to it must be refused for that reason.
public struct CertificateAuthority: Sendable, Equatable {
    /// The name it was uploaded under; enrollment groups refer to it.
    public var name: String
    public var certificate: Certificate
    public var thumbprint: CertificateThumbprint
    public var isVerified: Bool

    public init(name: String, certificate: Certificate, isVerified: Bool = true) {
        self.name = name
        self.certificate = certificate
        self.thumbprint = certificate.thumbprint
        self.isVerified = isVerified
    }

    /// Uploads the first certificate of a PEM file.
    ///
    /// - Throws: ``IdentityFileError`` when the file is missing or holds no readable certificate.
    public init(name: String, certificatePEMFile: String, isVerified: Bool = true) throws {
        let der = try PEMFile.certificates(at: certificatePEMFile)[0]
        do {
            self.init(name: name, certificate: try Certificate(derEncoded: der), isVerified: isVerified)
        } catch {
            throw IdentityFileError.invalidCertificate(path: certificatePEMFile, reason: String(describing: error))
        }
    }

    /// Uploads the first certificate of PEM text, as the admin API receives it.
    ///
    /// - Throws: ``CertificateTextError`` when the text holds no readable certificate.
    public init(name: String, certificatePEM: String, isVerified: Bool = true) throws {
        self.init(name: name, certificate: try CertificateText.firstCertificate(in: certificatePEM), isVerified: isVerified)
    }
}

/// PEM certificates given as text rather than as a file.
enum CertificateText {
    static func firstCertificate(in pem: String) throws(CertificateTextError) -> Certificate {
        guard let document = try? PEMDocument.parseMultiple(pemString: pem).first(where: {
            $0.discriminator == "CERTIFICATE"
        }) else {
            throw CertificateTextError(reason: "no PEM CERTIFICATE block")
        }
        do {
            return try Certificate(derEncoded: document.derBytes)
        } catch {
            throw CertificateTextError(reason: "not a valid X.509 certificate (\(error))")
        }
    }
}

public struct CertificateTextError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "certificate: \(reason)" }
}
