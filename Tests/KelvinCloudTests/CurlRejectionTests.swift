import Foundation
import Testing

@testable import KelvinCloud

/// What DPS and the hub refuse, seen from curl.
@Suite struct CurlRejectionTests {
    @Test func registerWithUnenrolledSelfSignedCertificate_gets401002() throws {
        let cloud = try LocalCloud()
        defer { cloud.stop() }

        let result = try cloud.register(as: cloud.intruder, registrationID: "intruder")
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.status == 401)
        #expect(result.header("x-ms-error-code") == "401002")
        let body = try result.jsonObject()
        #expect(body["errorCode"] as? Int == 401002)
        #expect(body["message"] as? String == "Invalid certificate.")
        #expect((body["trackingId"] as? String)?.count == 36)
        #expect((body["timestampUtc"] as? String)?.hasSuffix("Z") == true)
        #expect(cloud.server.registrations.isEmpty)
    }

    @Test func registerEnrolledCertificateUnderAnotherRegistrationID_gets401002() throws {
        let cloud = try LocalCloud()
        defer { cloud.stop() }

        let result = try cloud.register(as: cloud.device, registrationID: "someone-else")
        #expect(result.status == 401)
        #expect(result.header("x-ms-error-code") == "401002")
    }

    @Test func telemetryBeforeProvisioning_gets401FromHub() throws {
        let cloud = try LocalCloud()
        defer { cloud.stop() }

        let result = try cloud.sendTelemetry(#"{"temperature": 30}"#, as: cloud.device)
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.status == 401)
        #expect(result.header("iothub-errorcode") == "IotHubUnauthorized")
        #expect(try result.hubErrorCode() == 401003)
        #expect(try result.jsonObject()["ExceptionMessage"] as? String == "")
        #expect(cloud.server.receivedTelemetry.isEmpty)
    }

    @Test func telemetryWithCertificateOtherThanProvisioned_gets401FromHub() throws {
        let cloud = try LocalCloud(assigningPollsBeforeAssigned: 0)
        defer { cloud.stop() }
        try cloud.provision()

        let result = try cloud.sendTelemetry(#"{"temperature": 30}"#, as: cloud.intruder, deviceID: "my-device")
        #expect(result.status == 401)
        #expect(result.header("iothub-errorcode") == "IotHubUnauthorized")
        #expect(cloud.server.receivedTelemetry.isEmpty)
    }

    @Test(arguments: [false, true], ["1.2", "1.3"])
    func clientWithoutCertificate_failsTheHandshake(atHub: Bool, highestTLSVersion: String) throws {
        let cloud = try LocalCloud()
        defer { cloud.stop() }

        let url =
            atHub
            ? cloud.hubURL("devices/my-device/messages/events?api-version=2020-03-13")
            : cloud.dpsURL("registrations/my-device/register?api-version=2021-10-01")
        let result = try cloud.curl(
            ["--tls-max", highestTLSVersion, "-X", atHub ? "POST" : "PUT", "-d", "{}", url],
            as: nil
        )
        // TLS 1.2 fails inside the handshake (curl 35); TLS 1.3 reports the server's
        // certificate_required alert on the first read (curl 56). Either way, no HTTP exchange.
        #expect(result.exitCode != 0)
        #expect(result.status == nil)

        // The listener survives the failed handshake.
        #expect(try cloud.register(as: cloud.device).status == 202)
    }

    @Test func registerWithoutAPIVersion_gets400() throws {
        let cloud = try LocalCloud()
        defer { cloud.stop() }

        let result = try cloud.curl(
            [
                "-X", "PUT", "-H", "Content-Type: application/json", "-d", #"{"registrationId":"my-device"}"#,
                cloud.dpsURL("registrations/my-device/register"),
            ],
            as: cloud.device
        )
        #expect(result.status == 400)
    }

    @Test func telemetryOver256KB_gets413AndIsNotRecorded() throws {
        let cloud = try LocalCloud(assigningPollsBeforeAssigned: 0)
        defer { cloud.stop() }
        try cloud.provision()

        let bodyFile = cloud.scratch.file("large-body")
        try Data(repeating: UInt8(ascii: "x"), count: 256 * 1024 + 1).write(to: URL(fileURLWithPath: bodyFile))
        let result = try cloud.curl(
            [
                "-X", "POST", "--data-binary", "@\(bodyFile)",
                cloud.hubURL("devices/my-device/messages/events?api-version=2020-09-30"),
            ],
            as: cloud.device
        )
        #expect(result.status == 413)
        #expect(result.header("iothub-errorcode") == "MessageTooLarge")
        #expect(cloud.server.receivedTelemetry.isEmpty)
    }

    @Test func unknownRoute_gets404() throws {
        let cloud = try LocalCloud()
        defer { cloud.stop() }

        let result = try cloud.curl([cloud.hubURL("twins/my-device?api-version=2021-04-12")], as: cloud.device)
        #expect(result.status == 404)
    }
}
