import Foundation
import Testing

@testable import KelvinCloud

/// Hub telemetry logic without sockets.
@Suite struct HubEndpointTests {
    static let provisioned = CertificateThumbprint(certificateDER: Array("device certificate".utf8))
    static let other = CertificateThumbprint(certificateDER: Array("other certificate".utf8))

    static func ledgerWithDevice() -> CloudLedger {
        var ledger = CloudLedger()
        ledger.recordAssignment(
            ProvisionedDevice(
                registrationID: "my-device",
                deviceID: "my-device",
                thumbprint: provisioned,
                hubName: "hub",
                assignedHub: "localhost:44301",
                createdAt: Date(),
                lastAssignedAt: Date()
            )
        )
        return ledger
    }

    static func send(
        to deviceID: String = "my-device",
        body: String = #"{"temperature": 21.50}"#,
        thumbprint: CertificateThumbprint? = provisioned,
        query: String = "?api-version=2020-09-30",
        headers: [HTTPHeaderField] = []
    ) -> CloudRequest {
        CloudRequest(
            method: "POST",
            target: "/devices/\(deviceID)/messages/events\(query)",
            headers: headers,
            body: Array(body.utf8),
            clientCertificate: thumbprint.map { PresentedCertificate(commonName: "my-device", thumbprint: $0) }
        )
    }

    func respond(_ request: CloudRequest, _ ledger: inout CloudLedger) -> EndpointReply {
        var generator = SystemRandomNumberGenerator()
        return HubEndpoint(hubName: "hub").respond(to: request, ledger: &ledger, at: Date(), using: &generator)
    }

    @Test func provisionedDeviceWithItsCertificate_gets204AndMessageIsRecorded() {
        var ledger = Self.ledgerWithDevice()
        let request = Self.send(headers: [
            HTTPHeaderField(name: "iothub-contenttype", value: "application/json"),
            HTTPHeaderField(name: "iothub-contentencoding", value: "utf-8"),
            HTTPHeaderField(name: "iothub-messageid", value: "42"),
            HTTPHeaderField(name: "iothub-app-sensor", value: "bme280"),
        ])
        let reply = respond(request, &ledger)
        #expect(reply.response.status == 204)
        #expect(reply.response.body.isEmpty)
        #expect(reply.response.framing == .contentLength)
        #expect(ledger.telemetry.map(\.body) == [#"{"temperature": 21.50}"#])
        #expect(ledger.telemetry.first?.applicationProperties == [HTTPHeaderField(name: "sensor", value: "bme280")])
        #expect(
            reply.logLines == [
                #"telemetry my-device: {"temperature": 21.50} (content-type application/json, content-encoding utf-8, message-id 42, sensor=bme280)"#
            ]
        )
    }

    @Test(arguments: [
        ("device not provisioned", HubEndpointTests.send(to: "ghost")),
        ("other certificate", HubEndpointTests.send(thumbprint: HubEndpointTests.other)),
        ("no certificate", HubEndpointTests.send(thumbprint: nil)),
    ])
    func unauthorizedSender_gets401003InHubErrorShape(scenario: String, request: CloudRequest) throws {
        var ledger = Self.ledgerWithDevice()
        let response = respond(request, &ledger).response
        #expect(response.status == 401, "\(scenario)")
        #expect(response.headers.value(named: "iothub-errorcode") == "IotHubUnauthorized")
        let outer = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(outer["ExceptionMessage"] as? String == "")
        let message = try #require(outer["Message"] as? String)
        #expect(message.hasPrefix(#"{"errorCode":401003,"trackingId":""#))
        #expect(message.contains(#""message":"Unauthorized","timestampUtc":""#))
        #expect(ledger.telemetry.isEmpty)
    }

    @Test func missingAPIVersion_gets400() {
        var ledger = Self.ledgerWithDevice()
        let response = respond(Self.send(query: ""), &ledger).response
        #expect(response.status == 400)
        #expect(response.headers.value(named: "iothub-errorcode") == "ArgumentInvalid")
    }

    @Test func bodyAtTheLimit_isAcceptedAndOneByteMoreIsNot() {
        var ledger = Self.ledgerWithDevice()
        let atLimit = String(repeating: "x", count: HubEndpoint.maximumMessageBytes)
        #expect(respond(Self.send(body: atLimit), &ledger).response.status == 204)

        var tooLarge = Self.send()
        tooLarge.bodyExceededLimit = true
        let response = respond(tooLarge, &ledger).response
        #expect(response.status == 413)
        #expect(response.headers.value(named: "iothub-errorcode") == "MessageTooLarge")
        #expect(ledger.telemetry.count == 1)
    }

    @Test func percentEncodedDeviceIDInPath_matchesTheRegistry() {
        var ledger = Self.ledgerWithDevice()
        #expect(respond(Self.send(to: "my%2Ddevice"), &ledger).response.status == 204)
    }

    @Test func logLineOfLongBody_isShortened() {
        let message = ReceivedTelemetry(
            deviceID: "d",
            hubName: "hub",
            bodyBytes: Array(String(repeating: "a", count: 1000).utf8),
            headers: [],
            properties: MessageProperties(system: [], application: []),
            isBatched: false,
            receivedAt: Date()
        )
        let line = HubEndpoint.logLine(for: message)
        #expect(line.hasSuffix("… (1000 bytes)"))
        #expect(line.count < 400)
    }
}
