import Foundation
import Testing

@testable import KelvinCloud

/// Batches, message properties, and the hub-side states a device can find itself in.
@Suite struct HubBatchAndPropertyTests {
    func respond(
        _ request: CloudRequest,
        _ ledger: inout CloudLedger,
        hub: String = "hub",
        lenient: Bool = false,
        at now: Date = Date()
    ) -> CloudResponse {
        var generator = SystemRandomNumberGenerator()
        return HubEndpoint(hubName: hub, lenient: lenient).respond(to: request, ledger: &ledger, at: now, using: &generator).response
    }

    /// A batch as the SDKs send it: with `iothub-to` (docs/azure-facts.md §3), unless `to` is nil.
    static func batch(_ json: String, to: String? = "/devices/my-device/messages/events") -> CloudRequest {
        var headers = [HTTPHeaderField(name: "Content-Type", value: "application/vnd.microsoft.iothub.json")]
        if let to { headers.append(HTTPHeaderField(name: "iothub-to", value: to)) }
        return HubEndpointTests.send(body: json, headers: headers)
    }

    static let oneElement = #"[{"body":"e30=","base64Encoded":true,"properties":{"iothub-messageid":"m1"}}]"#

    @Test func batchWithoutIothubTo_is400NamingTheHeaderAndStoresNothing() throws {
        var ledger = HubEndpointTests.ledgerWithDevice()
        let response = respond(Self.batch(Self.oneElement, to: nil), &ledger)
        #expect(response.status == 400)
        #expect(response.headers.value(named: "iothub-errorcode") == "ArgumentInvalid")
        #expect(errorCode(response) == 400004)
        #expect(String(decoding: response.body, as: UTF8.self).contains("iothub-to"))
        #expect(ledger.telemetry.isEmpty)
    }

    @Test(arguments: ["/devices/other/messages/events", "/devices/my-device/messages/events?api-version=2020-09-30", "my-device", ""])
    func batchAddressedElsewhere_is400(to: String) {
        var ledger = HubEndpointTests.ledgerWithDevice()
        #expect(respond(Self.batch(Self.oneElement, to: to), &ledger).status == 400)
        #expect(ledger.telemetry.isEmpty)
    }

    @Test func batchWithEncodedIothubTo_isAccepted() {
        var ledger = HubEndpointTests.ledgerWithDevice()
        #expect(respond(Self.batch(Self.oneElement, to: "/devices/my%2Ddevice/messages/events"), &ledger).status == 204)
    }

    @Test func lenientHub_takesABatchWithoutIothubTo() {
        // Leniency on purpose: this test is about the switch that allows what Azure's clients never send.
        var ledger = HubEndpointTests.ledgerWithDevice()
        #expect(respond(Self.batch(Self.oneElement, to: nil), &ledger, lenient: true).status == 204)
        #expect(ledger.telemetry.map(\.messageID) == ["m1"])
    }

    @Test func singleMessages_needNoIothubTo() {
        var ledger = HubEndpointTests.ledgerWithDevice()
        #expect(respond(HubEndpointTests.send(), &ledger).status == 204)
    }

    func errorCode(_ response: CloudResponse) -> Int? {
        guard let outer = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let message = outer["Message"] as? String,
            let inner = try? JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any]
        else { return nil }
        return inner["errorCode"] as? Int
    }

    @Test func batch_storesEachElementWithItsProperties() {
        var ledger = HubEndpointTests.ledgerWithDevice()
        let base64 = Data(#"{"temperature": 21.5}"#.utf8).base64EncodedString()
        let request = Self.batch(
            #"""
            [{"body":"\#(base64)","base64Encoded":true,"properties":{"iothub-messageid":"m1","iothub-app-alert":"false"}},
             {"body":"{\"temperature\": 22.0}","base64Encoded":false,"properties":{"iothub-messageid":"m2"}},
             {"body":"\#(base64)"}]
            """#
        )
        #expect(respond(request, &ledger).status == 204)
        #expect(ledger.telemetry.map(\.body) == [#"{"temperature": 21.5}"#, #"{"temperature": 22.0}"#, #"{"temperature": 21.5}"#])
        #expect(ledger.telemetry.map(\.messageID) == ["m1", "m2", nil])
        #expect(ledger.telemetry.allSatisfy { $0.isBatched })
        #expect(ledger.telemetry[0].applicationProperties == [HTTPHeaderField(name: "alert", value: "false")])
    }

    @Test(arguments: [
        "not json",
        #"{"body":"x"}"#,
        "[]",
        #"[{"nobody":"x"}]"#,
        #"[{"body":"***","base64Encoded":true}]"#,
        #"[{"body":"x","base64Encoded":false,"properties":{"n":1}}]"#,
    ])
    func malformedBatch_is400FormatErrorAndStoresNothing(body: String) {
        var ledger = HubEndpointTests.ledgerWithDevice()
        let response = respond(Self.batch(body), &ledger)
        #expect(response.status == 400)
        #expect(response.headers.value(named: "iothub-errorcode") == "IotHubFormatError")
        #expect(errorCode(response) == 400006)
        #expect(ledger.telemetry.isEmpty)
    }

    @Test func tokenValuesAndTheCreationTime_areTaken() throws {
        var ledger = HubEndpointTests.ledgerWithDevice()
        let request = HubEndpointTests.send(headers: [
            HTTPHeaderField(name: "iothub-app-sensor", value: "bme280-0x76!#$%&'*+-.^_`|~"),
            HTTPHeaderField(name: "iothub-app-iothub-creation-time-utc", value: "2026-12-07T10:15:00.250Z"),
        ])
        #expect(respond(request, &ledger).status == 204)
        #expect(ledger.telemetry.first?.applicationProperties.map(\.name) == ["sensor", "iothub-creation-time-utc"])
    }

    @Test func systemAndApplicationProperties_areStoredSeparately() throws {
        var ledger = HubEndpointTests.ledgerWithDevice()
        let request = HubEndpointTests.send(headers: [
            HTTPHeaderField(name: "iothub-messageid", value: "reading-7"),
            HTTPHeaderField(name: "iothub-correlationid", value: "c-1"),
            HTTPHeaderField(name: "iothub-creation-time-utc", value: "2026-11-29T06:00:00Z"),
            HTTPHeaderField(name: "iothub-app-unit", value: "celsius"),
            HTTPHeaderField(name: "User-Agent", value: "kelvin/0.1.0"),
        ])
        #expect(respond(request, &ledger).status == 204)
        let message = try #require(ledger.telemetry.first)
        #expect(message.properties.system.map(\.name) == ["iothub-messageid", "iothub-correlationid", "iothub-creation-time-utc"])
        #expect(message.applicationProperties == [HTTPHeaderField(name: "unit", value: "celsius")])
    }

    @Test(arguments: [
        HTTPHeaderField(name: "iothub-app-bad name", value: "x"),
        HTTPHeaderField(name: "iothub-app-", value: "x"),
        HTTPHeaderField(name: "iothub-messageid", value: String(repeating: "m", count: 129)),
        HTTPHeaderField(name: "iothub-messageid", value: "has space"),
        // Values over HTTPS are tokens too (docs/azure-facts.md §8).
        HTTPHeaderField(name: "iothub-app-room", value: "lab 2"),
        HTTPHeaderField(name: "iothub-app-site", value: "berlin:north"),
        HTTPHeaderField(name: "iothub-app-path", value: "a/b"),
        HTTPHeaderField(name: "iothub-app-quoted", value: "\"x\""),
        HTTPHeaderField(name: "iothub-app-iothub-creation-time-utc", value: "yesterday"),
    ])
    func propertyTheHubRefuses_is400NamingIt(header: HTTPHeaderField) throws {
        var ledger = HubEndpointTests.ledgerWithDevice()
        let response = respond(HubEndpointTests.send(headers: [header]), &ledger)
        #expect(response.status == 400)
        #expect(errorCode(response) == 400004)
        #expect(ledger.telemetry.isEmpty)
    }

    @Test func deviceRegisteredOnAnotherHub_is401() {
        var ledger = HubEndpointTests.ledgerWithDevice()
        let response = respond(HubEndpointTests.send(), &ledger, hub: "hub-b")
        #expect(response.status == 401)
        #expect(errorCode(response) == 401003)
    }

    @Test func disabledDevice_is403DeviceDisabled() {
        var ledger = HubEndpointTests.ledgerWithDevice()
        ledger.devices[0].isEnabled = false
        let response = respond(HubEndpointTests.send(), &ledger)
        #expect(response.status == 403)
        #expect(response.headers.value(named: "iothub-errorcode") == "DeviceDisabled")
        #expect(errorCode(response) == 403012)
    }

    @Test func outage_is503UntilItEnds() {
        var ledger = HubEndpointTests.ledgerWithDevice()
        let start = Date()
        ledger.faults.outages["hub"] = start.addingTimeInterval(30)
        let during = respond(HubEndpointTests.send(), &ledger, at: start.addingTimeInterval(29))
        #expect(during.status == 503)
        #expect(errorCode(during) == 503001)
        #expect(respond(HubEndpointTests.send(), &ledger, hub: "hub", at: start.addingTimeInterval(31)).status == 204)
    }

    @Test func outageOfEveryHub_coversEachHub() {
        var ledger = HubEndpointTests.ledgerWithDevice()
        ledger.faults.outages[nil] = Date().addingTimeInterval(30)
        #expect(respond(HubEndpointTests.send(), &ledger).status == 503)
    }

    @Test func unknownHubAPIVersion_is400() {
        var ledger = HubEndpointTests.ledgerWithDevice()
        #expect(respond(HubEndpointTests.send(query: "?api-version=1999-01-01"), &ledger).status == 400)
    }

    @Test func duplicateMessageIDsFromOneDevice_areCounted() {
        var ledger = HubEndpointTests.ledgerWithDevice()
        for id in ["a", "b", "a", "a"] {
            _ = respond(HubEndpointTests.send(headers: [HTTPHeaderField(name: "iothub-messageid", value: id)]), &ledger)
        }
        #expect(ledger.telemetry.count == 4)
        #expect(ledger.duplicateMessageCount == 2)
    }
}
