import Foundation
import SwiftASN1
import X509

/// A CA certificate together with the key that signs certificates under it.
///
/// The one place that fills in `Certificate(...)`, so that every generated certificate gets a
/// random serial, a SHA-256 signature, key identifiers and the same extensions for its role.
struct CertificateIssuer {
    let certificate: Certificate
    let privateKey: Certificate.PrivateKey

    /// A self-signed CA (a root); `maxPathLength` is how many CAs may sit below it.
    static func selfSignedAuthority(
        name: DistinguishedName,
        key: Certificate.PrivateKey,
        maxPathLength: Int,
        validity: CertificateValidity
    ) throws -> CertificateIssuer {
        let certificate = try sign(
            subject: name,
            publicKey: key.publicKey,
            issuerName: name,
            issuerKey: key,
            validity: validity,
            extensions: authorityExtensions(
                publicKey: key.publicKey,
                maxPathLength: maxPathLength,
                authorityKeyIdentifier: nil
            )
        )
        return CertificateIssuer(certificate: certificate, privateKey: key)
    }

    /// A root of the emulator's own, `O=Kelvin, CN=<commonName>`, with a fresh P-256 key, that
    /// signs leaves only (path length 0): the server CA and the untrusted stand-in's CA.
    static func leafSigningRoot(commonName: String, validity: CertificateValidity) throws -> CertificateIssuer {
        try selfSignedAuthority(
            name: try DistinguishedName {
                OrganizationName("Kelvin")
                CommonName(commonName)
            },
            key: try GeneratedPrivateKey(.ecP256).certificateKey,
            maxPathLength: 0,
            validity: validity
        )
    }

    /// A self-signed end-entity certificate: what an individual enrollment's device presents.
    ///
    /// No authority key identifier, as `openssl req -x509` for a device does not add one either.
    static func selfSignedLeaf(
        subject: DistinguishedName,
        key: Certificate.PrivateKey,
        usage: ExtendedKeyUsage.Usage,
        validity: CertificateValidity
    ) throws -> Certificate {
        try sign(
            subject: subject,
            publicKey: key.publicKey,
            issuerName: subject,
            issuerKey: key,
            validity: validity,
            extensions: leafExtensions(
                publicKey: key.publicKey,
                usage: usage,
                alternativeNames: nil,
                authorityKeyIdentifier: nil
            )
        )
    }

    /// A CA signed by this one.
    func issueAuthority(
        name: DistinguishedName,
        key: Certificate.PrivateKey,
        maxPathLength: Int,
        validity: CertificateValidity
    ) throws -> CertificateIssuer {
        let certificate = try Self.sign(
            subject: name,
            publicKey: key.publicKey,
            issuerName: self.certificate.subject,
            issuerKey: privateKey,
            validity: validity,
            extensions: Self.authorityExtensions(
                publicKey: key.publicKey,
                maxPathLength: maxPathLength,
                authorityKeyIdentifier: try keyIdentifier
            )
        )
        return CertificateIssuer(certificate: certificate, privateKey: key)
    }

    /// An end-entity certificate signed by this CA.
    func issueLeaf(
        subject: DistinguishedName,
        publicKey: Certificate.PublicKey,
        usage: ExtendedKeyUsage.Usage,
        alternativeNames: SubjectAlternativeNames? = nil,
        validity: CertificateValidity
    ) throws -> Certificate {
        try Self.sign(
            subject: subject,
            publicKey: publicKey,
            issuerName: certificate.subject,
            issuerKey: privateKey,
            validity: validity,
            extensions: Self.leafExtensions(
                publicKey: publicKey,
                usage: usage,
                alternativeNames: alternativeNames,
                authorityKeyIdentifier: try keyIdentifier
            )
        )
    }

    /// Whether `certificate` carries this CA's signature.
    func signed(_ candidate: Certificate) -> Bool {
        certificate.publicKey.isValidSignature(candidate.signature, for: candidate)
    }

    /// The CA's own subject key identifier, which certificates it issues name as their authority's.
    private var keyIdentifier: ArraySlice<UInt8> {
        get throws {
            try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
                ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
        }
    }

    private static func authorityExtensions(
        publicKey: Certificate.PublicKey,
        maxPathLength: Int,
        authorityKeyIdentifier: ArraySlice<UInt8>?
    ) throws -> Certificate.Extensions {
        try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: maxPathLength))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
            if let authorityKeyIdentifier {
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyIdentifier)
            }
        }
    }

    private static func leafExtensions(
        publicKey: Certificate.PublicKey,
        usage: ExtendedKeyUsage.Usage,
        alternativeNames: SubjectAlternativeNames?,
        authorityKeyIdentifier: ArraySlice<UInt8>?
    ) throws -> Certificate.Extensions {
        try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([usage])
            if let alternativeNames {
                alternativeNames
            }
            SubjectKeyIdentifier(hash: publicKey)
            if let authorityKeyIdentifier {
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyIdentifier)
            }
        }
    }

    private static func sign(
        subject: DistinguishedName,
        publicKey: Certificate.PublicKey,
        issuerName: DistinguishedName,
        issuerKey: Certificate.PrivateKey,
        validity: CertificateValidity,
        extensions: Certificate.Extensions
    ) throws -> Certificate {
        try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: validity.notBefore,
            notValidAfter: validity.notAfter,
            issuer: issuerName,
            subject: subject,
            signatureAlgorithm: issuerKey.sha256SignatureAlgorithm,
            extensions: extensions,
            issuerPrivateKey: issuerKey
        )
    }
}

extension Certificate.PrivateKey {
    /// SHA-256 with the key's own scheme: accepted by every peer the project meets, and the least
    /// Azure accepts.
    var sha256SignatureAlgorithm: Certificate.SignatureAlgorithm {
        supportedSignatureAlgorithms.contains(.ecdsaWithSHA256) ? .ecdsaWithSHA256 : .sha256WithRSAEncryption
    }
}

extension Certificate {
    func isValid(at instant: Date) -> Bool {
        notValidBefore <= instant && instant <= notValidAfter
    }

    /// The DNS names among the subject alternative names; none when the extension is missing.
    var dnsNames: [String] {
        guard let names = try? extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            if case .dnsName(let dnsName) = name { return dnsName }
            return nil
        }
    }

    /// The IP addresses (4 or 16 bytes) among the subject alternative names.
    var ipAddresses: [[UInt8]] {
        guard let names = try? extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            if case .ipAddress(let address) = name { return Array(address.bytes) }
            return nil
        }
    }

    /// One PEM block and its line end, as the identity files hold it.
    var pemText: String {
        get throws { try serializeAsPEM().pemString + "\n" }
    }

    /// The DER encoding, as thumbprints need it.
    var derBytes: [UInt8] {
        get throws {
            var serializer = DER.Serializer()
            try serializer.serialize(self)
            return serializer.serializedBytes
        }
    }
}
