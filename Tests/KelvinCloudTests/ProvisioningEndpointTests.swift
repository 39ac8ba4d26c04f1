import Foundation
import Testing

@testable import KelvinCloud

/// DPS logic without sockets: requests in, responses and ledger changes out.
@Suite struct ProvisioningEndpointTests {
    static let enrolled = CertificateThumbprint(certificateDER: Array("enrolled certificate".utf8))
    static let stranger = CertificateThumbprint(certificateDER: Array("unknown certificate".utf8))

    let endpoint = ProvisioningEndpointTests.makeEndpoint(assigningPolls: 2)

    static func makeEndpoint(assigningPolls: Int, hubs: [LinkedHub] = [hub]) -> ProvisioningEndpoint {
        ProvisioningEndpoint(
            idScope: "0ne00000001",
            retryAfterSeconds: 3,
            assigningPollsBeforeAssigned: assigningPolls,
            answersRegisterImmediately: false,
            pollLimit: RateLimit.pollsPerDevice,
            linkedHubs: hubs
        )
    }

    static let hub = LinkedHub(name: "hub", address: "localhost:44301", port: 44301)

    /// A ledger with `my-device` enrolled individually as `hub-device-7`.
    static func enrolledLedger(deviceID: String = "hub-device-7") -> CloudLedger {
        var ledger = CloudLedger()
        ledger.enrollments.individualEnrollments = [
            Enrollment(registrationID: "my-device", deviceID: deviceID, thumbprint: enrolled)
        ]
        return ledger
    }

    static func register(
        path registrationID: String = "my-device",
        body: String = #"{"registrationId":"my-device"}"#,
        certificate: PresentedCertificate? = PresentedCertificate(commonName: "my-device", thumbprint: enrolled),
        query: String = "?api-version=2021-10-01",
        scope: String = "0ne00000001"
    ) -> CloudRequest {
        CloudRequest(
            method: "PUT",
            target: "/\(scope)/registrations/\(registrationID)/register\(query)",
            headers: [HTTPHeaderField(name: "Content-Type", value: "application/json")],
            body: Array(body.utf8),
            clientCertificate: certificate,
            authority: "localhost:44300"
        )
    }

    static func poll(_ operationID: String) -> CloudRequest {
        CloudRequest(
            method: "GET",
            target: "/0ne00000001/registrations/my-device/operations/\(operationID)?api-version=2021-10-01",
            clientCertificate: PresentedCertificate(commonName: "my-device", thumbprint: enrolled)
        )
    }

    func respond(_ request: CloudRequest, _ ledger: inout CloudLedger) -> EndpointReply {
        var generator = SystemRandomNumberGenerator()
        return endpoint.respond(to: request, ledger: &ledger, at: Date(), using: &generator)
    }

    func json(_ response: CloudResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    static func register(contentType: String?) -> CloudRequest {
        var request = register()
        request.headers = contentType.map { [HTTPHeaderField(name: "Content-Type", value: $0)] } ?? []
        return request
    }

    @Test(arguments: [nil, "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/vnd.microsoft.iothub.json"])
    func bodyNotLabelledJSON_is415(contentType: String?) throws {
        var ledger = Self.enrolledLedger()
        let response = respond(Self.register(contentType: contentType), &ledger).response
        #expect(response.status == 415)
        #expect(response.headers.value(named: "x-ms-error-code") == "415000")
        #expect(try json(response)["errorCode"] as? Int == 415000)
        #expect(ledger.registrations.isEmpty)
    }

    @Test(arguments: ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"])
    func jsonWithOrWithoutParameters_isAccepted(contentType: String) {
        var ledger = Self.enrolledLedger()
        #expect(respond(Self.register(contentType: contentType), &ledger).response.status == 202)
    }

    @Test func lenientDPS_takesABodyWithoutContentType() {
        // Leniency on purpose: this test is about the switch itself.
        var endpoint = Self.makeEndpoint(assigningPolls: 0)
        endpoint.lenient = true
        var ledger = Self.enrolledLedger()
        var generator = SystemRandomNumberGenerator()
        #expect(endpoint.respond(to: Self.register(contentType: nil), ledger: &ledger, at: Date(), using: &generator).response.status == 202)
    }

    @Test func registerThenPollTwiceThenOnce_answersAssigningAssigningAssigned() throws {
        var ledger = Self.enrolledLedger()
        let accepted = respond(Self.register(), &ledger).response
        #expect(accepted.status == 202)
        #expect(accepted.framing == .chunked)
        #expect(accepted.headers.value(named: "Retry-After") == "3")
        #expect(
            accepted.headers.value(named: "Location")
                == "https://localhost:44300/0ne00000001/registrations/my-device/register"
        )
        #expect(accepted.bodyText.hasPrefix(#"{"operationId":""#))
        #expect(accepted.bodyText.hasSuffix(#"","status":"assigning"}"#))
        let operationID = try #require(try json(accepted)["operationId"] as? String)

        for _ in 1...2 {
            let polled = respond(Self.poll(operationID), &ledger).response
            #expect(polled.status == 202)
            #expect(polled.headers.value(named: "Retry-After") == "3")
            #expect(
                polled.bodyText
                    == #"{"operationId":"\#(operationID)","status":"assigning","registrationState":{"registrationId":"my-device","status":"assigning"}}"#
            )
            #expect(ledger.devices.isEmpty)
        }

        let assigned = respond(Self.poll(operationID), &ledger)
        #expect(assigned.response.status == 200)
        let state = try #require(try json(assigned.response)["registrationState"] as? [String: Any])
        #expect(state["assignedHub"] as? String == "localhost:44301")
        #expect(state["deviceId"] as? String == "hub-device-7")
        #expect(state["status"] as? String == "assigned")
        #expect(assigned.logLines == ["dps: my-device assigned to hub (localhost:44301) as device hub-device-7, initialAssignment"])
        #expect(ledger.devices.map(\.deviceID) == ["hub-device-7"])
        #expect(ledger.devices.first?.thumbprint == Self.enrolled)

        // Later polls repeat the result without assigning again.
        let again = respond(Self.poll(operationID), &ledger)
        #expect(again.response.status == 200)
        #expect(again.logLines.isEmpty)
        #expect(ledger.devices.count == 1)
    }

    @Test func assignedBody_listsFieldsInTheRealServicesOrder() throws {
        var ledger = Self.enrolledLedger(deviceID: "my-device")
        let endpoint = Self.makeEndpoint(assigningPolls: 0)
        var generator = SystemRandomNumberGenerator()
        let accepted = endpoint.respond(to: Self.register(), ledger: &ledger, at: Date(), using: &generator)
        let operationID = try #require(try json(accepted.response)["operationId"] as? String)
        let assigned = endpoint.respond(to: Self.poll(operationID), ledger: &ledger, at: Date(), using: &generator)
        let keys = [
            "operationId", "status", "registrationState", "x509", "registrationId", "createdDateTimeUtc",
            "assignedHub", "deviceId", "status", "substatus", "lastUpdatedDateTimeUtc", "etag",
        ]
        let body = assigned.response.bodyText
        var searchFrom = body.startIndex
        for key in keys {
            let found = body.range(of: "\"\(key)\":", range: searchFrom..<body.endIndex)
            #expect(found != nil, "\(key) missing or out of order in \(body)")
            searchFrom = found?.upperBound ?? searchFrom
        }
        #expect(assigned.response.bodyText.contains(#""x509":{},"registrationId":"my-device","#))
    }

    @Test(arguments: [
        (
            "unknown certificate",
            ProvisioningEndpointTests.register(
                certificate: PresentedCertificate(
                    commonName: "my-device",
                    thumbprint: ProvisioningEndpointTests.stranger
                )
            )
        ),
        ("no certificate", ProvisioningEndpointTests.register(certificate: nil)),
        (
            "CN differs",
            ProvisioningEndpointTests.register(
                certificate: PresentedCertificate(commonName: "other", thumbprint: ProvisioningEndpointTests.enrolled)
            )
        ),
        ("path differs", ProvisioningEndpointTests.register(path: "other", body: #"{"registrationId":"other"}"#)),
        ("body differs", ProvisioningEndpointTests.register(body: #"{"registrationId":"other"}"#)),
        ("body lacks registrationId", ProvisioningEndpointTests.register(body: #"{"payload":{}}"#)),
    ])
    func registerWithMismatchedIdentity_answers401002(scenario: String, request: CloudRequest) throws {
        var ledger = Self.enrolledLedger()
        let reply = respond(request, &ledger)
        #expect(reply.response.status == 401, "\(scenario)")
        #expect(reply.response.headers.value(named: "x-ms-error-code") == "401002")
        #expect(try json(reply.response)["errorCode"] as? Int == 401002)
        #expect(try json(reply.response)["message"] as? String == "Invalid certificate.")
        #expect(ledger.operations.isEmpty)
        #expect(reply.logLines.first?.hasPrefix("dps: refused register for") == true)
    }

    @Test func registerComparesRegistrationIDsCaseInsensitively() {
        var ledger = Self.enrolledLedger()
        let request = Self.register(
            path: "My-Device",
            body: #"{"registrationId":"MY-DEVICE"}"#,
            certificate: PresentedCertificate(commonName: "my-DEVICE", thumbprint: Self.enrolled)
        )
        #expect(respond(request, &ledger).response.status == 202)
    }

    @Test(arguments: [
        (ProvisioningEndpointTests.register(query: ""), 400, 400004),
        (ProvisioningEndpointTests.register(query: "?api-version="), 400, 400004),
        (ProvisioningEndpointTests.register(scope: "0ne99999999"), 404, 404201),
        (ProvisioningEndpointTests.register(path: "bad!id", body: #"{"registrationId":"bad!id"}"#), 400, 400004),
        (ProvisioningEndpointTests.register(body: "not json"), 400, 400004),
    ])
    func malformedRegister_answersDPSErrorBody(request: CloudRequest, status: Int, errorCode: Int) throws {
        var ledger = Self.enrolledLedger()
        let response = respond(request, &ledger).response
        #expect(response.status == status)
        #expect(response.headers.value(named: "x-ms-error-code") == String(errorCode))
        #expect(try json(response)["errorCode"] as? Int == errorCode)
    }

    @Test func pollForUnknownOperation_answers404() throws {
        var ledger = Self.enrolledLedger()
        let response = respond(Self.poll("1.0000000000000000.00000000-0000-4000-8000-000000000000"), &ledger).response
        #expect(response.status == 404)
        #expect(try json(response)["errorCode"] as? Int == 404201)
    }

    @Test func wrongMethodOnRegister_answers405WithAllow() {
        var ledger = Self.enrolledLedger()
        var request = Self.register()
        request.method = "POST"
        let response = respond(request, &ledger).response
        #expect(response.status == 405)
        #expect(response.headers.value(named: "Allow") == "PUT")
    }

    @Test func reRegistration_keepsCreatedTimeAndIssuesNewOperation() throws {
        var ledger = Self.enrolledLedger(deviceID: "my-device")
        let endpoint = Self.makeEndpoint(assigningPolls: 0)
        var generator = SystemRandomNumberGenerator()
        let firstTime = Date(timeIntervalSince1970: 1_700_000_000)
        let first = endpoint.respond(to: Self.register(), ledger: &ledger, at: firstTime, using: &generator)
        let firstID = try #require(try json(first.response)["operationId"] as? String)
        _ = endpoint.respond(to: Self.poll(firstID), ledger: &ledger, at: firstTime, using: &generator)

        let later = firstTime.addingTimeInterval(3600)
        let second = endpoint.respond(to: Self.register(), ledger: &ledger, at: later, using: &generator)
        let secondID = try #require(try json(second.response)["operationId"] as? String)
        #expect(secondID != firstID)
        let assigned = endpoint.respond(to: Self.poll(secondID), ledger: &ledger, at: later, using: &generator)
        let state = try #require(try json(assigned.response)["registrationState"] as? [String: Any])
        #expect(state["createdDateTimeUtc"] as? String == "2023-11-14T22:13:20.0000000Z")
        #expect(state["lastUpdatedDateTimeUtc"] as? String == "2023-11-14T23:13:20.0000000Z")
        #expect(ledger.devices.count == 1)
    }
}
