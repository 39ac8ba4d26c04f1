import Foundation
import X509

/// Follows a presented client chain from the leaf to a verified uploaded CA, the way DPS and the
/// hub authenticate CA-signed devices (protocol facts §4.2): each certificate must be valid now
/// and signed by the next, the issuers must be CAs whose key usage allows signing certificates
/// and whose path-length constraint allows the CAs below them, the leaf's key usage must allow a
/// TLS client signature, and the walk must reach a *verified* certificate using only what the
/// device sent plus the uploaded CAs (RFC 5280 §4.2.1.3, §4.2.1.9, §4.2.1.12, §6.1.4).
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
        if let failure = leafUsageFailure(current) { return .failure(failure) }
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
                if let failure = issuerFailure(issuer, certificatesBelow: path) { return .failure(failure) }
                path.append(issuer)
                current = issuer
                continue
            }
            if let uploaded = authorities.first(where: { current.isIssued(by: $0.certificate) }) {
                guard uploaded.isVerified else { return .failure(.unverifiedAuthority(name: uploaded.name)) }
                if let failure = validityFailure(uploaded.certificate, at: now) { return .failure(failure) }
                if let failure = issuerFailure(uploaded.certificate, certificatesBelow: path) { return .failure(failure) }
                path.append(uploaded.certificate)
                return .success(TrustedPath(certificates: path, anchor: uploaded))
            }
            if current.isSelfSigned { return .failure(.untrustedRoot(subject: "\(current.subject)")) }
            return .failure(.missingIssuer(issuer: "\(current.issuer)", of: "\(current.subject)"))
        }
        return .failure(.missingIssuer(issuer: "\(current.issuer)", of: "\(current.subject)"))
    }

    /// Whether `issuer` may sign the last of `below` (leaf first): a CA, with `keyCertSign` when
    /// it states a key usage, and a path length that covers the CAs between it and the leaf.
    static func issuerFailure(_ issuer: Certificate, certificatesBelow below: [Certificate]) -> ChainRejection? {
        let subject = "\(issuer.subject)"
        guard case .isCertificateAuthority(let maximumPathLength)? = try? issuer.extensions.basicConstraints else {
            return .issuerNotCA(subject: subject)
        }
        if let failure = stated(keyUsage: \.keyCertSign, named: "keyCertSign", in: issuer) { return failure }
        // Self-issued CAs (a renewed root signing its successor) do not count (RFC 5280 §6.1.4).
        let intermediates = below.dropFirst().filter { $0.issuer != $0.subject }.count
        if let maximumPathLength, intermediates > maximumPathLength {
            return .pathLength(subject: subject, allowed: maximumPathLength, found: intermediates)
        }
        return nil
    }

    /// Whether the leaf may authenticate a TLS client: `digitalSignature` when it states a key
    /// usage, `clientAuth` (or any) when it states extended key usages.
    static func leafUsageFailure(_ leaf: Certificate) -> ChainRejection? {
        if let failure = stated(keyUsage: \.digitalSignature, named: "digitalSignature", in: leaf) { return failure }
        let extended: ExtendedKeyUsage?
        do {
            extended = try leaf.extensions.extendedKeyUsage
        } catch {
            return .keyUsage(subject: "\(leaf.subject)", missing: "a readable extended key usage")
        }
        if let extended, !extended.contains(.clientAuth), !extended.contains(.any) {
            return .keyUsage(subject: "\(leaf.subject)", missing: "the clientAuth extended key usage")
        }
        return nil
    }

    /// A refusal when `certificate` states a key usage without `bit`; none when it states none.
    private static func stated(keyUsage bit: KeyPath<KeyUsage, Bool>, named name: String, in certificate: Certificate) -> ChainRejection? {
        let usage: KeyUsage?
        do {
            usage = try certificate.extensions.keyUsage
        } catch {
            return .keyUsage(subject: "\(certificate.subject)", missing: "a readable key usage")
        }
        guard let usage, !usage[keyPath: bit] else { return nil }
        return .keyUsage(subject: "\(certificate.subject)", missing: name)
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
    case keyUsage(subject: String, missing: String)
    case pathLength(subject: String, allowed: Int, found: Int)
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
        case .keyUsage(let subject, let missing):
            return "\(subject) states a key usage without \(missing)"
        case .pathLength(let subject, let allowed, let found):
            return "\(subject) allows \(allowed) CA certificate(s) below it, but the chain has \(found)"
        case .unverifiedAuthority(let name):
            return "the chain ends at uploaded CA '\(name)', which is not verified"
        case .untrustedRoot(let subject):
            return "the chain ends at \(subject), which is not an uploaded, verified CA"
        case .missingIssuer(let issuer, let subject):
            return "the issuer \(issuer) of \(subject) was neither presented nor uploaded (missing intermediate?)"
        }
    }
}
