import Agent
import AzureIoT
import Foundation
import HTTP1
import HTTPSClient
import KelvinCloud
import Platform
import Testing
import Wire

/// Issue-level behaviour against the emulator over real mutual TLS: group enrollments and their
/// chains, and a device deleted at its hub finding its way to a new one.
@Suite(.serialized) struct ProvisionOnceTests {
    struct Counter: ReadingSource {
        mutating func read(sequence: Int, takenAtMilliseconds: Int64) -> Reading? {
            Reading(temperature: Millidegrees(Int32(20_000 + sequence * 250)), temperatureFractionDigits: 2, humidity: nil, pressure: nil,
                    takenAtMilliseconds: takenAtMilliseconds, sequence: sequence)
        }
    }

    /// Enrolls the root CA of a fresh chain as a verified CA with a group, and issues a device under
    /// its intermediate.
    static func groupDevice(_ fixture: CloudFixture, registrationID: String) throws -> ChainDeviceIdentityFiles {
        let chain = try TestIdentity.createChainDevice(registrationID: registrationID, in: fixture.directory + "/chain")
        let root = try CertificateAuthority(name: "kelvin-root", certificatePEMFile: chain.authorities.root.certificateFile)
        fixture.server.updateEnrollments { registry in
            registry.certificateAuthorities.append(root)
            registry.groups.append(EnrollmentGroup(groupID: "kelvin-fleet", certificateAuthorityName: "kelvin-root"))
        }
        return chain
    }

    @Test func groupEnrollment_provisionsWithTheFullChain_andRefusesTheLeafAloneWithAChainNote() throws {
        let fixture = try CloudFixture(assigningPolls: 0)
        let chain = try Self.groupDevice(fixture, registrationID: "fleet-device-7")

        let full = try fixture.context(certificate: chain.fullChainFile, key: chain.device.privateKeyFile)
        #expect(full.certificateChainShape?.intermediates == 1)
        #expect(full.certificateChainShape?.leafIsSelfIssued == false)
        var client = HTTPSClient(context: full)
        let (assignment, _) = try ProvisioningDriver.provision(
            try fixture.provisioningSettings(full), transport: &client, clock: MonotonicClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 30_000
        ) { Issue.record("unexpected retry: \($0)") }
        #expect(assignment.deviceID == "fleet-device-7")
        client.closeAll()

        let leafOnly = try fixture.context(certificate: chain.device.certificateFile, key: chain.device.privateKeyFile)
        let shape = try #require(leafOnly.certificateChainShape)
        #expect(shape.intermediates == 0)
        var bare = HTTPSClient(context: leafOnly)
        let refusal: ProvisioningError
        do {
            _ = try ProvisioningDriver.provision(
                try fixture.provisioningSettings(leafOnly), transport: &bare, clock: MonotonicClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 30_000
            ) { _ in }
            Issue.record("a chain without its intermediate was provisioned")
            return
        } catch let error as ProvisioningRunError<HTTPSError> {
            guard case .provisioning(let provisioning) = error else {
                Issue.record("expected a DPS refusal, got \(error)")
                return
            }
            refusal = provisioning
        }
        guard case .rejected(let failure) = refusal else {
            Issue.record("expected a rejection, got \(refusal)")
            return
        }
        #expect(failure.errorCode == 401002)
        let note = CertificateChainAdvice.note(
            for: refusal, intermediates: shape.intermediates, leafIsSelfIssued: shape.leafIsSelfIssued, certificatePath: "device-cert.pem"
        )
        #expect(note?.contains("append the intermediate CA certificate") == true)
        #expect(fixture.log.contains { $0.contains("fleet-device-7") && $0.contains("intermediate") })

        // A self-signed certificate (digitalSignature only, no keyCertSign) is seen as one, and
        // refused the same way it is not a chain problem.
        #expect(try fixture.context().certificateChainShape?.leafIsSelfIssued == true)
        #expect(CertificateChainAdvice.note(
            for: .rejected(ServiceFailure(httpStatus: 401, errorCode: 401002, message: nil, trackingID: nil)),
            intermediates: 0, leafIsSelfIssued: true, certificatePath: "device-cert.pem"
        ) == nil)
    }

    @Test func deviceDeletedAtItsHub_isReprovisioned_andTelemetryContinuesOnTheNewHub() throws {
        let fixture = try CloudFixture(assigningPolls: 0, hubNames: ["hub-one", "hub-two"])
        let context = try fixture.context()
        var client = HTTPSClient(context: context)
        let clock = MonotonicClock()
        let provisioning = try fixture.provisioningSettings(context)
        let key = AssignmentKeeper(
            settings: provisioning, certificateSHA256: ASCII.hexadecimalString(context.certificateSHA256), store: MemoryAssignmentStore(),
            timeoutMilliseconds: 30_000
        ).key
        fixture.server.updateEnrollments { registry in
            registry.individualEnrollments[0].allocation.hubNames = ["hub-one"]
        }
        var store = MemoryAssignmentStore()
        func machine(count: Int, firstSequence: Int) -> TelemetryStateMachine<SplitMix64> {
            TelemetryStateMachine(
                settings: .init(count: count, intervalMilliseconds: 10, provisioning: provisioning, assignmentKey: key,
                                provisioningTimeoutMilliseconds: 30_000, reprovisionIntervalMilliseconds: 0),
                saved: store.saved, outbox: Outbox(capacity: 16), messageIDPrefix: "it", firstSequence: firstSequence, random: SplitMix64(seed: 3)
            )
        }
        var first = machine(count: 1, firstSequence: 1)
        var source = Counter()
        let (firstOutcome, _) = TelemetryLoop.run(&first, source: &source, transport: &client, clock: clock, save: { store.save($0) { _ in } }) { _, _ in }
        #expect(firstOutcome == .allDelivered)
        let hubOne = try #require(fixture.server.hubs.first { $0.name == "hub-one" })
        #expect(store.saved?.assignment.hub.port == UInt16(hubOne.port))

        // The operator deletes the device and allows only the second hub from now on.
        #expect(fixture.server.deleteRegistration(CloudFixture.registrationID))
        fixture.server.updateEnrollments { registry in
            registry.individualEnrollments[0].allocation.hubNames = ["hub-two"]
        }
        var second = machine(count: 2, firstSequence: 2)
        var kinds: [String] = []
        let (secondOutcome, _) = TelemetryLoop.run(&second, source: &source, transport: &client, clock: clock, save: { store.save($0) { _ in } }) { event, _ in
            switch event {
            case .identityRejected(let failure): kinds.append("rejected \(failure.httpStatus)")
            case .provisioned(let saved, _, true): kinds.append("reprovisioned \(saved.assignment.substatus)")
            case .delivered(let readings, _, _): kinds.append("delivered \(readings)")
            case .queued, .usingSavedAssignment: break
            default: kinds.append("other")
            }
        }
        #expect(secondOutcome == .allDelivered)
        #expect(kinds.first == "rejected 401")
        #expect(kinds.contains { $0.hasPrefix("reprovisioned") })
        let hubTwo = try #require(fixture.server.hubs.first { $0.name == "hub-two" })
        #expect(second.assignment?.assignment.hub.port == UInt16(hubTwo.port))
        #expect(store.saved?.assignment.hub.port == UInt16(hubTwo.port))
        #expect(fixture.server.waitForTelemetry(count: 3, timeoutSeconds: 10))
        let received = fixture.server.receivedTelemetry
        #expect(received.filter { $0.hubName == "hub-one" }.count == 1)
        #expect(received.filter { $0.hubName == "hub-two" }.map(\.messageID) == ["it-2", "it-3"])
        client.closeAll()
    }
}
