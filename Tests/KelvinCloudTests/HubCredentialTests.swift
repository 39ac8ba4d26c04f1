import Foundation
import Testing
import X509

@testable import KelvinCloud

/// The hub still authenticates a provisioned device at each request: a certificate that expired
/// since provisioning, or a group device's chain that stopped verifying, is 401 / 401003.
@Suite struct HubCredentialTests {
    let root = InMemoryPKI.certificateAuthority("Fleet Root CA")
    let intermediate: IssuedCertificate
    let device: IssuedCertificate
    let start = Date()

    init() {
        intermediate = InMemoryPKI.certificateAuthority("Fleet Intermediate CA", signedBy: root)
        device = InMemoryPKI.device("fleet-device-1", signedBy: intermediate, notAfter: start.addingTimeInterval(3_600))
    }

    /// `device` provisioned through a group on `root` (verified unless said otherwise).
    func provisioned(rootVerified: Bool = true) -> CloudLedger {
        var dps = ProvisioningHarness(
            enrollments: EnrollmentRegistry(
                groups: [EnrollmentGroup(groupID: "fleet", certificateAuthorityName: "root")],
                certificateAuthorities: [
                    CertificateAuthority(name: "root", certificate: root.certificate, isVerified: true)
                ]
            )
        )
        dps.now = start
        #expect(dps.provision(device, sending: [intermediate]).status == 200)
        var ledger = dps.ledger
        ledger.enrollments.certificateAuthorities[0].isVerified = rootVerified
        return ledger
    }

    func send(_ ledger: inout CloudLedger, at now: Date, chain: [IssuedCertificate]? = nil) -> EndpointReply {
        let deviceID = ledger.devices.first?.deviceID ?? ""
        let request = CloudRequest(
            method: "POST",
            target: "/devices/\(deviceID)/messages/events?api-version=2020-09-30",
            body: Array(#"{"temperature": 21.5}"#.utf8),
            clientCertificate: device.presented,
            clientChain: (chain ?? [device, intermediate]).map(\.certificate)
        )
        var generator = SystemRandomNumberGenerator()
        return HubEndpoint(hubName: ledger.devices.first?.hubName ?? "").respond(
            to: request, ledger: &ledger, at: now, using: &generator)
    }

    @Test func groupDeviceWithItsChain_isTaken() {
        var ledger = provisioned()
        #expect(send(&ledger, at: start.addingTimeInterval(60)).response.status == 204)
    }

    @Test func certificateThatExpiredSinceProvisioning_is401() {
        var ledger = provisioned()
        let reply = send(&ledger, at: start.addingTimeInterval(7_200))
        #expect(reply.response.status == 401)
        #expect(reply.response.headers.value(named: "iothub-errorcode") == "IotHubUnauthorized")
        #expect(reply.logLines.first?.contains("no longer valid") == true)
        #expect(reply.logLines.first?.contains("expired at") == true)
        #expect(ledger.telemetry.isEmpty)
    }

    @Test func groupDeviceWithoutItsIntermediate_is401() {
        var ledger = provisioned()
        let reply = send(&ledger, at: start.addingTimeInterval(60), chain: [device])
        #expect(reply.response.status == 401)
        #expect(reply.logLines.first?.contains("missing intermediate") == true)
    }

    @Test func groupDeviceWhoseCAIsNoLongerVerified_is401() {
        var ledger = provisioned(rootVerified: false)
        let reply = send(&ledger, at: start.addingTimeInterval(60))
        #expect(reply.response.status == 401)
        #expect(reply.logLines.first?.contains("not verified") == true)
    }
}
