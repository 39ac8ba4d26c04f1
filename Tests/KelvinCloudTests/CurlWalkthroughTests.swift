import Foundation
import Testing

@testable import KelvinCloud

/// The DPS how-to's curl steps against the emulator: register, poll, send telemetry.
@Suite struct CurlWalkthroughTests {
    @Test func registerPollAndSend_deliversTelemetryToAssignedHub() throws {
        let cloud = try LocalCloud()
        defer { cloud.stop() }

        let registration = try cloud.register(as: cloud.device)
        #expect(registration.exitCode == 0, "\(registration.standardError)")
        #expect(registration.status == 202)
        #expect(registration.header("Transfer-Encoding") == "chunked")
        #expect(registration.header("Content-Length") == nil)
        #expect(registration.header("Content-Type") == "application/json; charset=utf-8")
        #expect(registration.header("Retry-After") == "1")
        #expect(registration.header("x-ms-request-id") != nil)
        #expect(
            registration.header("Location")
                == "https://localhost:\(cloud.server.dpsPort)/0ne00000001/registrations/my-device/register"
        )
        let accepted = try registration.jsonObject()
        #expect(accepted["status"] as? String == "assigning")
        let operationID = try #require(accepted["operationId"] as? String)
        #expect(ServiceIdentifierTests.hasOperationIDShape(operationID))

        let firstPoll = try cloud.pollOperation(operationID, as: cloud.device)
        #expect(firstPoll.status == 202)
        #expect(firstPoll.header("Retry-After") == "1")
        let stillAssigning = try firstPoll.jsonObject()
        #expect(stillAssigning["status"] as? String == "assigning")
        #expect((stillAssigning["registrationState"] as? [String: Any])?["status"] as? String == "assigning")

        let secondPoll = try cloud.pollOperation(operationID, as: cloud.device)
        #expect(secondPoll.status == 200)
        let assigned = try secondPoll.jsonObject()
        #expect(assigned["operationId"] as? String == operationID)
        #expect(assigned["status"] as? String == "assigned")
        let state = try #require(assigned["registrationState"] as? [String: Any])
        #expect(state["assignedHub"] as? String == "localhost:\(cloud.server.hubPort)")
        #expect(state["deviceId"] as? String == "my-device")
        #expect(state["registrationId"] as? String == "my-device")
        #expect(state["substatus"] as? String == "initialAssignment")
        #expect(state["x509"] is [String: Any])
        #expect(cloud.server.registrations.map(\.deviceID) == ["my-device"])
        #expect(cloud.server.registrations.first?.thumbprint == cloud.device.thumbprint)

        let telemetry = try cloud.sendTelemetry(#"{"temperature": 30}"#, as: cloud.device)
        #expect(telemetry.exitCode == 0, "\(telemetry.standardError)")
        #expect(telemetry.status == 204)
        #expect(telemetry.header("Content-Length") == "0")
        #expect(cloud.server.waitForTelemetry(count: 1, timeoutSeconds: 10))
        let received = try #require(cloud.server.receivedTelemetry.first)
        #expect(received.deviceID == "my-device")
        #expect(received.body == #"{"temperature": 30}"#)
        #expect(received.headers.value(named: "Content-Encoding") == "utf-8")

        #expect(cloud.log.lines.contains("dps: my-device registering through individual enrollment my-device"))
        #expect(
            cloud.log.lines.contains {
                $0.hasPrefix("dps: my-device assigned to hub (localhost:\(cloud.server.hubPort))")
            }
        )
        #expect(cloud.log.lines.contains(#"telemetry my-device: {"temperature": 30} (content-type application/json)"#))
    }

    @Test func twoMessagesOnOneCurlRun_shareOneKeptAliveConnection() throws {
        let cloud = try LocalCloud(assigningPollsBeforeAssigned: 0)
        defer { cloud.stop() }
        try cloud.provision()

        let url = cloud.hubURL("devices/my-device/messages/events?api-version=2021-04-12")
        let result = try cloud.curl(
            [
                "-X", "POST", "-H", "Content-Type: application/json", "-H", "iothub-messageid: same-connection",
                "-d", #"{"n": 1}"#, "-w", "%{http_code} %{num_connects}\n", url, url,
            ],
            as: cloud.device
        )
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput == "204 1\n204 0\n")
        #expect(cloud.server.waitForTelemetry(count: 2, timeoutSeconds: 10))
        #expect(
            cloud.server.receivedTelemetry.allSatisfy {
                $0.headers.value(named: "iothub-messageid") == "same-connection"
            }
        )
    }
}
