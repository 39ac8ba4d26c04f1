import Foundation
import X509

/// DPS's enrollment list and CA store, and the rule that picks the enrollment a client
/// certificate registers under (protocol facts §4.2): an individual enrollment for the leaf
/// first, then groups for each certificate up the chain, first match wins.
public struct EnrollmentRegistry: Sendable, Equatable {
    public var individualEnrollments: [Enrollment]
    public var groups: [EnrollmentGroup]
    public var certificateAuthorities: [CertificateAuthority]

    public init(
        individualEnrollments: [Enrollment] = [],
        groups: [EnrollmentGroup] = [],
        certificateAuthorities: [CertificateAuthority] = []
    ) {
        self.individualEnrollments = individualEnrollments
        self.groups = groups
        self.certificateAuthorities = certificateAuthorities
    }

    public func certificateAuthority(named name: String) -> CertificateAuthority? {
        certificateAuthorities.first { $0.name == name }
    }

    /// - Parameters:
    ///   - leaf: the certificate the client authenticated with.
    ///   - chain: everything the client sent, leaf first; empty means the leaf alone.
    func attest(leaf: PresentedCertificate, chain: [Certificate], at now: Date) -> Result<Attestation, AttestationRejection> {
        let presented = chain.isEmpty ? [leaf.certificate].compactMap { $0 } : chain
        let described = "certificate \(leaf.thumbprint) CN=\(leaf.commonName ?? "(none)")"

        if let enrollment = individualEnrollments.first(where: { $0.thumbprint == leaf.thumbprint }) {
            if let certificate = leaf.certificate {
                if let failure = CertificateChainVerifier.validityFailure(certificate, at: now) {
                    return .failure(AttestationRejection(reason: "\(described): \(failure)"))
                }
                if !certificate.isSelfSigned,
                    case .failure(let failure) = CertificateChainVerifier.verify(
                        presented: presented,
                        authorities: certificateAuthorities,
                        at: now
                    )
                {
                    return .failure(AttestationRejection(reason: "\(described) is CA-signed but \(failure)"))
                }
            }
            return .success(
                Attestation(
                    registrationID: enrollment.registrationID,
                    deviceID: enrollment.deviceID,
                    thumbprint: leaf.thumbprint,
                    allocation: enrollment.allocation,
                    groupID: nil,
                    enrollmentName: "individual enrollment \(enrollment.registrationID)"
                )
            )
        }

        guard !groups.isEmpty, leaf.certificate != nil else {
            return .failure(AttestationRejection(reason: "\(described) is not enrolled"))
        }
        let path: CertificateChainVerifier.TrustedPath
        switch CertificateChainVerifier.verify(presented: presented, authorities: certificateAuthorities, at: now) {
        case .success(let trusted):
            path = trusted
        case .failure(let failure):
            return .failure(AttestationRejection(reason: "\(described) has no individual enrollment and \(failure)"))
        }
        for signer in path.certificates.dropFirst() {
            let signerThumbprint = signer.thumbprint
            guard
                let group = groups.first(where: {
                    certificateAuthority(named: $0.certificateAuthorityName)?.thumbprint == signerThumbprint
                })
            else { continue }
            guard let commonName = leaf.commonName else {
                return .failure(AttestationRejection(reason: "\(described) has no CN to register under"))
            }
            return .success(
                Attestation(
                    registrationID: commonName,
                    deviceID: commonName,
                    thumbprint: leaf.thumbprint,
                    allocation: group.allocation,
                    groupID: group.groupID,
                    enrollmentName: "enrollment group \(group.groupID)"
                )
            )
        }
        return .failure(
            AttestationRejection(
                reason: "\(described) chains to verified CA '\(path.anchor.name)', but no enrollment group is bound to its chain"
            )
        )
    }
}

/// The enrollment a certificate registers under, as far as provisioning needs it.
struct Attestation: Equatable {
    var registrationID: String
    var deviceID: String
    var thumbprint: CertificateThumbprint
    var allocation: AllocationSettings
    /// Set when a group matched: DPS reports it as `x509.enrollmentGroupId`.
    var groupID: String?
    /// For the log: "individual enrollment x" or "enrollment group y".
    var enrollmentName: String
}

/// Why no enrollment accepts the certificate; the device only ever hears 401002.
struct AttestationRejection: Error, Equatable {
    var reason: String
}
