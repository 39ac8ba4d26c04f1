import Foundation
import X509

/// Follows a presented client chain from the leaf to a verified uploaded CA, the way DPS
/// authenticates CA-signed devices (protocol facts §4.2): each certificate must be valid now and
/// signed by the next, the issuers must be CAs, and the walk must reach a *verified* certificate
/// using only what the device sent plus the uploaded CAs.
enum CertificateChainVerifier {
    /// The certificates from the leaf to the verified anchor, inclusive; the anchor may be an
    /// uploaded CA the device did not send.
    struct TrustedPath {
        var certificates: [Certificate]
        var anchor: CertificateAuthority
    }

    static func verify(
        presented: [Certificate],
        authorities: [CertificateAuthority],
        at now: Date
    ) -> Result<TrustedPath, ChainRejection> {
        guard var current = presented.first else { return .failure(.noCertificate) }
        var path = [current]
        var unused = Array(presented.dropFirst())
        // Each step consumes a presented certificate or ends, so this bounds the walk even for a
        // chain that loops back on itself.
        for _ in 0...presented.count {
            if let failure = validityFailure(current, at: now) { return .failure(failure) }
            if let anchor = authorities.first(where: { $0.isVerified && $0.thumbprint == current.thumbprint }) {
                return .success(TrustedPath(certificates: path, anchor: anchor))
            }
            if let index = unused.firstIndex(where: { current.isIssued(by: $0) }) {
                let issuer = unused.remove(at: index)
                guard issuer.isCertificateAuthority else { return .failure(.issuerNotCA(subject: "\(issuer.subject)")) }
                path.append(issuer)
                current = issuer
                continue
            }
            if let uploaded = authorities.first(where: { current.isIssued(by: $0.certificate) }) {
                guard uploaded.isVerified else { return .failure(.unverifiedAuthority(name: uploaded.name)) }
                if let failure = validityFailure(uploaded.certificate, at: now) { return .failure(failure) }
                path.append(uploaded.certificate)
                return .success(TrustedPath(certificates: path, anchor: uploaded))
            }
            if current.isSelfSigned { return .failure(.untrustedRoot(subject: "\(current.subject)")) }
            return .failure(.missingIssuer(issuer: "\(current.issuer)", of: "\(current.subject)"))
        }
        return .failure(.missingIssuer(issuer: "\(current.issuer)", of: "\(current.subject)"))
    }

    static func validityFailure(_ certificate: Certificate, at now: Date) -> ChainRejection? {
        if now < certificate.notValidBefore {
            return .notYetValid(subject: "\(certificate.subject)", notBefore: certificate.notValidBefore)
        }
        if now > certificate.notValidAfter {
            return .expired(subject: "\(certificate.subject)", notAfter: certificate.notValidAfter)
        }
        return nil
    }
}

/// Why a chain was refused; DPS tells the device only 401002, so this is for the emulator's log.
enum ChainRejection: Error, Equatable, CustomStringConvertible {
    case noCertificate
    case expired(subject: String, notAfter: Date)
    case notYetValid(subject: String, notBefore: Date)
    case issuerNotCA(subject: String)
    case unverifiedAuthority(name: String)
    case untrustedRoot(subject: String)
    case missingIssuer(issuer: String, of: String)

    var description: String {
        switch self {
        case .noCertificate:
            return "no client certificate"
        case .expired(let subject, let notAfter):
            return "\(subject) expired at \(WireTime.azureTimestamp(notAfter))"
        case .notYetValid(let subject, let notBefore):
            return "\(subject) is not valid before \(WireTime.azureTimestamp(notBefore))"
        case .issuerNotCA(let subject):
            return "\(subject) signed the chain but is not a CA certificate"
        case .unverifiedAuthority(let name):
            return "the chain ends at uploaded CA '\(name)', which is not verified"
        case .untrustedRoot(let subject):
            return "the chain ends at \(subject), which is not an uploaded, verified CA"
        case .missingIssuer(let issuer, let subject):
            return "the issuer \(issuer) of \(subject) was neither presented nor uploaded (missing intermediate?)"
        }
    }
}
