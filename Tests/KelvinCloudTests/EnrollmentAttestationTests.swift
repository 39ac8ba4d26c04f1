import Foundation
import Testing
import X509

@testable import KelvinCloud

/// Which certificates DPS accepts, and under which enrollment (protocol facts §4.2).
@Suite struct EnrollmentAttestationTests {
    let root = InMemoryPKI.certificateAuthority("Fleet Root CA")
    let intermediate: IssuedCertificate
    let device: IssuedCertificate

    init() {
        intermediate = InMemoryPKI.certificateAuthority("Fleet Intermediate CA", signedBy: root)
        device = InMemoryPKI.device("fleet-device-1", signedBy: intermediate)
    }

    func groupOnRoot(verified: Bool = true, enabled: Bool = true) -> EnrollmentRegistry {
        EnrollmentRegistry(
            groups: [
                EnrollmentGroup(
                    groupID: "fleet",
                    certificateAuthorityName: "root",
                    allocation: AllocationSettings(isEnabled: enabled)
                )
            ],
            certificateAuthorities: [CertificateAuthority(name: "root", certificate: root.certificate, isVerified: verified)]
        )
    }

    @Test func groupOnVerifiedRoot_withFullChain_isAssignedUnderTheCN() {
        var dps = ProvisioningHarness(enrollments: groupOnRoot())
        let reply = dps.provision(device, sending: [intermediate])
        #expect(reply.status == 200)
        #expect(reply.json["status"] as? String == "assigned")
        #expect(reply.registrationState["deviceId"] as? String == "fleet-device-1")
        #expect((reply.registrationState["x509"] as? [String: Any])?["enrollmentGroupId"] as? String == "fleet")
        #expect(dps.ledger.devices.map(\.thumbprint) == [device.presented.thumbprint])
    }

    @Test func groupOnVerifiedRoot_withoutTheIntermediate_is401002NamingTheMissingIssuer() {
        var dps = ProvisioningHarness(enrollments: groupOnRoot())
        let reply = dps.register(device)
        #expect(reply.status == 401)
        #expect(reply.errorCode == 401002)
        #expect(reply.log.first?.contains("missing intermediate") == true)
    }

    @Test func groupOnUnverifiedRoot_isRefusedAsUnverified() {
        var dps = ProvisioningHarness(enrollments: groupOnRoot(verified: false))
        let reply = dps.register(device, sending: [intermediate])
        #expect(reply.status == 401)
        #expect(reply.errorCode == 401002)
        #expect(reply.log.first?.contains("'root', which is not verified") == true)
    }

    @Test func groupOnVerifiedIntermediate_acceptsTheLeafAlone() {
        var enrollments = EnrollmentRegistry()
        enrollments.certificateAuthorities = [CertificateAuthority(name: "intermediate", certificate: intermediate.certificate)]
        enrollments.groups = [EnrollmentGroup(groupID: "line-1", certificateAuthorityName: "intermediate")]
        var dps = ProvisioningHarness(enrollments: enrollments)
        #expect(dps.provision(device).json["status"] as? String == "assigned")
    }

    @Test func groupOnIntermediate_whenOnlyTheRootIsVerified_needsTheIntermediateSent() {
        var enrollments = EnrollmentRegistry()
        enrollments.certificateAuthorities = [
            CertificateAuthority(name: "root", certificate: root.certificate),
            CertificateAuthority(name: "intermediate", certificate: intermediate.certificate, isVerified: false),
        ]
        enrollments.groups = [EnrollmentGroup(groupID: "line-1", certificateAuthorityName: "intermediate")]
        var dps = ProvisioningHarness(enrollments: enrollments)
        #expect(dps.register(device).status == 401)
        #expect(dps.provision(device, sending: [intermediate]).registrationState["deviceId"] as? String == "fleet-device-1")
    }

    @Test func disabledGroup_answersDisabled() {
        var dps = ProvisioningHarness(enrollments: groupOnRoot(enabled: false))
        let reply = dps.register(device, sending: [intermediate])
        #expect(reply.status == 200)
        #expect(reply.json["status"] as? String == "disabled")
        #expect(reply.json["operationId"] as? String == "")
        #expect(reply.registrationState["status"] as? String == "disabled")
        #expect(dps.ledger.devices.isEmpty)
    }

    @Test func chainFromAnUnknownCA_isRefused() {
        let stranger = InMemoryPKI.certificateAuthority("Somebody Else's CA")
        let forged = InMemoryPKI.device("fleet-device-2", signedBy: stranger)
        var dps = ProvisioningHarness(enrollments: groupOnRoot())
        let reply = dps.register(forged, sending: [stranger])
        #expect(reply.status == 401)
        #expect(reply.log.first?.contains("not an uploaded, verified CA") == true)
    }

    @Test func leafNamingTheRightIssuerButSignedByAnotherKey_isRefused() {
        // Same subject as the real intermediate, different key: names alone must not be trusted.
        let impostor = InMemoryPKI.certificateAuthority("Fleet Intermediate CA", signedBy: nil)
        let forged = InMemoryPKI.device("fleet-device-3", signedBy: impostor)
        var dps = ProvisioningHarness(enrollments: groupOnRoot())
        #expect(dps.register(forged, sending: [intermediate]).status == 401)
    }

    @Test func expiredDeviceCertificate_isRefusedEvenWhenEnrolled() {
        let expired = InMemoryPKI.device(
            "old-device",
            notBefore: Date(timeIntervalSince1970: 1_700_000_000),
            notAfter: Date(timeIntervalSince1970: 1_700_086_400)
        )
        var dps = ProvisioningHarness(
            enrollments: EnrollmentRegistry(individualEnrollments: [
                Enrollment(registrationID: "old-device", thumbprint: expired.presented.thumbprint)
            ])
        )
        let reply = dps.register(expired)
        #expect(reply.status == 401)
        #expect(reply.log.first?.contains("expired") == true)
    }

    @Test func notYetValidCertificate_isRefused() {
        var dps = ProvisioningHarness()
        let future = InMemoryPKI.device("future-device", notBefore: dps.now.addingTimeInterval(86_400), notAfter: dps.now.addingTimeInterval(2 * 86_400))
        dps.ledger.enrollments.individualEnrollments = [
            Enrollment(registrationID: "future-device", thumbprint: future.presented.thumbprint)
        ]
        let reply = dps.register(future)
        #expect(reply.status == 401)
        #expect(reply.log.first?.contains("not valid before") == true)
    }

    @Test func neverEnrolledSelfSignedCertificate_isRefused() {
        var dps = ProvisioningHarness(enrollments: groupOnRoot())
        let reply = dps.register(InMemoryPKI.device("walk-in"))
        #expect(reply.status == 401)
        #expect(reply.errorCode == 401002)
    }

    @Test func individualCASignedEnrollment_needsAChainToAVerifiedCA() {
        var enrollments = EnrollmentRegistry(individualEnrollments: [
            Enrollment(registrationID: "fleet-device-1", thumbprint: device.presented.thumbprint)
        ])
        var withoutCA = ProvisioningHarness(enrollments: enrollments)
        #expect(withoutCA.register(device, sending: [intermediate]).status == 401)

        enrollments.certificateAuthorities = [CertificateAuthority(name: "root", certificate: root.certificate)]
        var withCA = ProvisioningHarness(enrollments: enrollments)
        let reply = withCA.provision(device, sending: [intermediate])
        #expect(reply.json["status"] as? String == "assigned")
        #expect((reply.registrationState["x509"] as? [String: Any])?.isEmpty == true)
    }

    @Test func individualEnrollment_winsOverAGroupForTheSameDevice() {
        var enrollments = groupOnRoot()
        enrollments.individualEnrollments = [
            Enrollment(registrationID: "fleet-device-1", deviceID: "special", thumbprint: device.presented.thumbprint)
        ]
        var dps = ProvisioningHarness(enrollments: enrollments)
        #expect(dps.provision(device, sending: [intermediate]).registrationState["deviceId"] as? String == "special")
    }

    @Test func issuerThatIsNotACA_cannotSignTheChain() {
        let notACA = InMemoryPKI.device("plain-leaf", signedBy: root)
        let signedByLeaf = InMemoryPKI.device("fleet-device-4", signedBy: notACA)
        var dps = ProvisioningHarness(enrollments: groupOnRoot())
        let reply = dps.register(signedByLeaf, sending: [notACA])
        #expect(reply.status == 401)
        #expect(reply.log.first?.contains("is not a CA certificate") == true)
    }

    /// A root that allows no CA below it cannot anchor a chain through an intermediate
    /// (RFC 5280 §4.2.1.9); one that allows one can.
    @Test(arguments: [(0, 401), (1, 200)])
    func rootPathLength_limitsTheIntermediatesBelowIt(allowed: Int, status: Int) throws {
        let limitedRoot = InMemoryPKI.certificateAuthority(
            "Limited Root CA",
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: allowed))
                Critical(KeyUsage(keyCertSign: true))
            }
        )
        let below = InMemoryPKI.certificateAuthority("Limited Intermediate CA", signedBy: limitedRoot)
        let leaf = InMemoryPKI.device("fleet-device-5", signedBy: below)
        var dps = ProvisioningHarness(enrollments: groupOn(limitedRoot))
        let reply = dps.provision(leaf, sending: [below])
        #expect(reply.status == status)
        if status == 401 {
            #expect(reply.errorCode == 401002)
            #expect(reply.log.first?.contains("allows 0 CA certificate(s) below it, but the chain has 1") == true)
        }
    }

    @Test func intermediateWhoseKeyUsageLacksKeyCertSign_cannotSignTheChain() throws {
        let signOnly = InMemoryPKI.certificateAuthority(
            "Sign-only CA",
            signedBy: root,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true))
            }
        )
        let leaf = InMemoryPKI.device("fleet-device-6", signedBy: signOnly)
        var dps = ProvisioningHarness(enrollments: groupOnRoot())
        let reply = dps.register(leaf, sending: [signOnly])
        #expect(reply.status == 401)
        #expect(reply.log.first?.contains("states a key usage without keyCertSign") == true)
    }

    @Test(arguments: ["digitalSignature", "clientAuth"])
    func leafThatMayNotAuthenticateATLSClient_isRefused(missing: String) throws {
        let leaf = InMemoryPKI.device(
            "fleet-device-7",
            signedBy: intermediate,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                if missing == "digitalSignature" {
                    Critical(KeyUsage(keyEncipherment: true))
                } else {
                    try ExtendedKeyUsage([.serverAuth])
                }
            }
        )
        var dps = ProvisioningHarness(enrollments: groupOnRoot())
        let reply = dps.register(leaf, sending: [intermediate])
        #expect(reply.status == 401)
        #expect(reply.log.first?.contains(missing) == true)
    }

    func groupOn(_ authority: IssuedCertificate) -> EnrollmentRegistry {
        EnrollmentRegistry(
            groups: [EnrollmentGroup(groupID: "fleet", certificateAuthorityName: "root")],
            certificateAuthorities: [CertificateAuthority(name: "root", certificate: authority.certificate, isVerified: true)]
        )
    }
}
