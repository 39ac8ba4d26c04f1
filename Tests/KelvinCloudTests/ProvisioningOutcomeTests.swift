import Foundation
import Testing

@testable import KelvinCloud

/// Every terminal shape DPS answers with, the poll limit, the status lookup, and where
/// re-registration sends a device (protocol facts §1.4, §1.9, §1.10, §6).
@Suite struct ProvisioningOutcomeTests {
    let device = InMemoryPKI.device("bench-device")

    func enrolled(_ allocation: AllocationSettings = AllocationSettings()) -> EnrollmentRegistry {
        EnrollmentRegistry(individualEnrollments: [
            Enrollment(registrationID: "bench-device", thumbprint: device.presented.thumbprint, allocation: allocation)
        ])
    }

    @Test func registerAnsweringImmediately_returnsTheAssignmentIn200() {
        var dps = ProvisioningHarness(answersRegisterImmediately: true, enrollments: enrolled())
        let reply = dps.register(device)
        #expect(reply.status == 200)
        #expect(reply.json["status"] as? String == "assigned")
        #expect(reply.registrationState["assignedHub"] as? String == "localhost:44301")
        #expect(reply.registrationState["substatus"] as? String == "initialAssignment")
        #expect(dps.ledger.devices.count == 1)
    }

    @Test func allocationFailure_isAFailedStatusInA200Body() {
        var dps = ProvisioningHarness(
            assigningPolls: 1,
            enrollments: enrolled(AllocationSettings(allocationFailure: .customAllocationFailed))
        )
        let reply = dps.provision(device)
        #expect(reply.status == 200)
        #expect(reply.json["status"] as? String == "failed")
        #expect(reply.registrationState["status"] as? String == "failed")
        #expect(reply.registrationState["errorCode"] as? Int == 400207)
        #expect(reply.registrationState["errorMessage"] as? String == "Custom allocation failed with status code: 400")
        #expect(reply.registrationState["assignedHub"] == nil)
        #expect(dps.ledger.devices.isEmpty)
        #expect(dps.ledger.registrations["bench-device"]?.status == .failed)
    }

    @Test func enrollmentNamingNoLinkedHub_failsWith400208() {
        var dps = ProvisioningHarness(enrollments: enrolled(AllocationSettings(hubNames: ["elsewhere"])))
        let reply = dps.provision(device)
        #expect(reply.json["status"] as? String == "failed")
        #expect(reply.registrationState["errorCode"] as? Int == 400208)
    }

    @Test func statusLookup_is404BeforeRegistrationAndTheBareResultAfter() {
        var dps = ProvisioningHarness(enrollments: enrolled())
        let before = dps.lookUp(device)
        #expect(before.status == 404)
        #expect(before.errorCode == 404201)

        _ = dps.provision(device)
        let after = dps.lookUp(device)
        #expect(after.status == 200)
        #expect(after.json["operationId"] == nil)
        #expect(after.json["assignedHub"] as? String == "localhost:44301")
        #expect(after.json["deviceId"] as? String == "bench-device")
        #expect(after.json["status"] as? String == "assigned")
    }

    @Test func sixthPollWithinTenSeconds_is429WithRetryAfterUntilTheWindowFrees() throws {
        var dps = ProvisioningHarness(assigningPolls: 100, enrollments: enrolled())
        let operationID = try #require(dps.register(device).json["operationId"] as? String)
        for _ in 1...5 {
            #expect(dps.poll(device, operationID).status == 202)
            dps.now.addTimeInterval(1)
        }
        let throttled = dps.poll(device, operationID)
        #expect(throttled.status == 429)
        #expect(throttled.errorCode == 429001)
        // The first poll leaves the 10 s window 5 s from now.
        #expect(throttled.response.headers.value(named: "Retry-After") == "5")

        dps.now.addTimeInterval(5.5)
        #expect(dps.poll(device, operationID).status == 202)
    }

    @Test func pollsOfDifferentDevices_areLimitedSeparately() throws {
        let other = InMemoryPKI.device("other-device")
        var registry = enrolled()
        registry.individualEnrollments.append(Enrollment(registrationID: "other-device", thumbprint: other.presented.thumbprint))
        var dps = ProvisioningHarness(assigningPolls: 100, enrollments: registry)
        let first = try #require(dps.register(device).json["operationId"] as? String)
        let second = try #require(dps.register(other).json["operationId"] as? String)
        for _ in 1...5 {
            _ = dps.poll(device, first)
        }
        #expect(dps.poll(device, first).status == 429)
        #expect(dps.poll(other, second).status == 202)
    }

    @Test(arguments: ["2019-03-31", "2021-06-01", "2021-10-01"])
    func sdkAPIVersions_areAccepted(version: String) {
        var dps = ProvisioningHarness(enrollments: enrolled())
        #expect(dps.register(device, apiVersion: version).status == 202)
    }

    @Test func unknownAPIVersion_is400NamingIt() {
        var dps = ProvisioningHarness(enrollments: enrolled())
        let reply = dps.register(device, apiVersion: "2099-01-01")
        #expect(reply.status == 400)
        #expect((reply.json["message"] as? String)?.contains("2099-01-01") == true)
    }

    @Test func enrollmentsWithoutAHub_areSpreadEvenlyOverTheLinkedHubs() {
        let devices = (1...4).map { InMemoryPKI.device("spread-\($0)") }
        var dps = ProvisioningHarness(
            hubs: [ProvisioningHarness.hubA, ProvisioningHarness.hubB],
            enrollments: EnrollmentRegistry(
                individualEnrollments: devices.map {
                    Enrollment(registrationID: $0.presented.commonName!, thumbprint: $0.presented.thumbprint)
                }
            )
        )
        for device in devices {
            _ = dps.provision(device)
        }
        #expect(dps.ledger.deviceCount(onHub: "hub-a") == 2)
        #expect(dps.ledger.deviceCount(onHub: "hub-b") == 2)
    }

    @Test func reRegistrationOnTheSameHub_keepsTheHubAndSubstatus() {
        var dps = ProvisioningHarness(hubs: [ProvisioningHarness.hubA, ProvisioningHarness.hubB], enrollments: enrolled())
        let first = dps.provision(device)
        let second = dps.provision(device)
        let firstHub = first.registrationState["assignedHub"] as? String
        #expect(second.registrationState["assignedHub"] as? String == firstHub)
        #expect(second.registrationState["substatus"] as? String == "initialAssignment")
        #expect(dps.ledger.devices.count == 1)
    }

    @Test(arguments: [
        (ReprovisionPolicy.migrateData, "deviceDataMigrated", "localhost:44303"),
        (ReprovisionPolicy.resetData, "deviceDataReset", "localhost:44303"),
        (ReprovisionPolicy.never, "initialAssignment", "localhost:44301"),
    ])
    func movingTheEnrollmentToAnotherHub_followsThePolicy(policy: ReprovisionPolicy, substatus: String, hub: String) {
        var dps = ProvisioningHarness(
            hubs: [ProvisioningHarness.hubA, ProvisioningHarness.hubB],
            enrollments: enrolled(AllocationSettings(hubNames: ["hub-a"], reprovisionPolicy: policy))
        )
        _ = dps.provision(device)
        dps.ledger.enrollments.individualEnrollments[0].allocation.hubNames = ["hub-b"]
        let moved = dps.provision(device)
        #expect(moved.registrationState["substatus"] as? String == substatus)
        #expect(moved.registrationState["assignedHub"] as? String == hub)
        #expect(dps.ledger.devices.map(\.assignedHub) == [hub])
    }

    @Test func movingBackToTheFirstHub_isReprovisionedToInitialAssignment() {
        var dps = ProvisioningHarness(
            hubs: [ProvisioningHarness.hubA, ProvisioningHarness.hubB],
            enrollments: enrolled(AllocationSettings(hubNames: ["hub-a"]))
        )
        _ = dps.provision(device)
        dps.ledger.enrollments.individualEnrollments[0].allocation.hubNames = ["hub-b"]
        _ = dps.provision(device)
        dps.ledger.enrollments.individualEnrollments[0].allocation.hubNames = ["hub-a"]
        let back = dps.provision(device)
        #expect(back.registrationState["substatus"] as? String == "reprovisionedToInitialAssignment")
        #expect(dps.ledger.devices.map(\.hubName) == ["hub-a"])
    }

    @Test func deletedRegistration_startsOverWithInitialAssignment() {
        var dps = ProvisioningHarness(enrollments: enrolled())
        let first = dps.provision(device)
        let deleted = dps.ledger.deleteRegistration("bench-device")
        #expect(deleted)
        #expect(dps.ledger.devices.isEmpty)
        dps.now.addTimeInterval(60)
        let again = dps.provision(device)
        #expect(again.registrationState["substatus"] as? String == "initialAssignment")
        let firstCreated = first.registrationState["createdDateTimeUtc"] as? String
        #expect(again.registrationState["createdDateTimeUtc"] as? String != firstCreated)
    }
}
