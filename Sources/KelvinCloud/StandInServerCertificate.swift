import Foundation
import X509

/// A server certificate a hub presents instead of its own in the ``HubTLSMode/notYetValid`` and
/// ``HubTLSMode/untrusted`` modes. It copies the genuine certificate's subject and alternative
/// names, so that the one thing wrong with it is the thing the mode is about.
struct StandInServerCertificate {
    let certificate: Certificate
    let key: GeneratedPrivateKey

    /// Signed by the server CA the devices trust, valid from tomorrow for 30 days.
    static func notYetValid(imitating genuine: Certificate, signedBy authority: CertificateIssuer, at now: Date) throws -> Self {
        let tomorrow = now.addingTimeInterval(86_400)
        return try make(
            imitating: genuine,
            issuer: authority,
            validity: CertificateValidity(notBefore: tomorrow, notAfter: tomorrow.addingTimeInterval(30 * 86_400))
        )
    }

    /// Valid now, signed by a CA made for the purpose and then forgotten, so nobody can trust it.
    static func untrusted(imitating genuine: Certificate, at now: Date) throws -> Self {
        let throwaway = try CertificateIssuer.leafSigningRoot(
            commonName: "Kelvin Cloud Untrusted Stand-in CA",
            validity: .days(30, from: now)
        )
        return try make(imitating: genuine, issuer: throwaway, validity: .days(30, from: now))
    }

    private static func make(imitating genuine: Certificate, issuer: CertificateIssuer, validity: CertificateValidity) throws -> Self {
        let key = try GeneratedPrivateKey(.ecP256)
        let certificate = try issuer.issueLeaf(
            subject: genuine.subject,
            publicKey: key.publicKey,
            usage: .serverAuth,
            alternativeNames: try genuine.extensions.subjectAlternativeNames,
            validity: validity
        )
        return StandInServerCertificate(certificate: certificate, key: key)
    }
}
