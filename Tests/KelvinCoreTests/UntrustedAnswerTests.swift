import AzureIoT
import HTTP1
import Testing
import Wire

/// DPS and hub answers are input: what reaches a connection, a URL, a header or a log line is
/// checked, and a bad shape is refused with the value quoted escaped.
@Suite struct UntrustedAnswerTests {
    static func assigned(hub: String = "MyExampleHub.azure-devices.net", deviceID: String = "my-x509-device") -> HTTPResponse {
        let body = #"{"operationId":"5.1","status":"assigned","registrationState":{"assignedHub":"\#(hub)","deviceId":"\#(deviceID)","status":"assigned","substatus":"initialAssignment"}}"#
        return HTTPResponse(status: 200, body: Array(body.utf8))
    }

    @Test(arguments: ["hub.example", "hub.example:8443", "127.0.0.1:44301", "a-b.c-d.example", String(repeating: "a", count: 63) + ".example"])
    func hostNamesWithAnOptionalPort_areAccepted(hub: String) throws {
        guard case .assigned(let assignment) = try ProvisioningResponse.interpret(Self.assigned(hub: hub)) else {
            Issue.record("not assigned")
            return
        }
        #expect(assignment.hub == Endpoint(hostName: hub))
    }

    @Test(arguments: ["user@hub.example", "hub.example/path", "hub example", "hub.example:0", "hub.example:65536", "hub.example:https",
                      "[::1]:443", ".hub.example", "hub..example", String(repeating: "a", count: 64) + ".example",
                      String(repeating: "abcdefghi.", count: 26) + "example", "", "hub_example.net", "hub.example:+443"])
    func assignedHubThatIsNotAHostName_isRefusedAsMalformed(hub: String) {
        #expect(throws: ProvisioningResponseError.self) { _ = try ProvisioningResponse.interpret(Self.assigned(hub: hub)) }
    }

    @Test func controlCharactersInAnyString_areRefusedQuotedEscaped() {
        #expect(throws: ProvisioningResponseError.malformedBody(status: 200, .unprintable(path: "registrationState.deviceId", escaped: #"dev\n<0>forged"#))) {
            _ = try ProvisioningResponse.interpret(Self.assigned(deviceID: #"dev\n<0>forged"#))
        }
        #expect(throws: ProvisioningResponseError.malformedBody(status: 200, .unprintable(path: "registrationState.assignedHub", escaped: #"hub\x1B[2J"#))) {
            _ = try ProvisioningResponse.interpret(Self.assigned(hub: #"hub\u001b[2J"#))
        }
        // A lone surrogate decodes to bytes that are not UTF-8.
        #expect(throws: ProvisioningResponseError.self) { _ = try ProvisioningResponse.interpret(Self.assigned(deviceID: #"dev\ud800"#)) }
        let failed = #"{"operationId":"5.1","status":"failed","registrationState":{"errorCode":400209,"errorMessage":"bad\r\nkelvin: ok"}}"#
        #expect(throws: ProvisioningResponseError.malformedBody(status: 200, .unprintable(path: "registrationState.errorMessage", escaped: #"bad\r\nkelvin: ok"#))) {
            _ = try ProvisioningResponse.interpret(HTTPResponse(status: 200, body: Array(failed.utf8)))
        }
        let refusal = #"{"errorCode":401002,"trackingId":"t\u0007","message":"Unauthorized"}"#
        #expect(throws: ProvisioningResponseError.self) { _ = try ProvisioningResponse.interpret(HTTPResponse(status: 401, body: Array(refusal.utf8))) }
        #expect(ProvisioningResponseError.malformedBody(status: 200, .unprintable(path: "registrationState.deviceId", escaped: #"dev\n"#)).description
            == #"DPS answered HTTP 200 with a body Kelvin cannot read: JSON field "registrationState.deviceId" is "dev\n", not UTF-8 text without control characters"#)
    }

    @Test func aNonJSONRefusal_keepsItsWordsEscaped() throws {
        let response = HTTPResponse(status: 403, body: Array("denied\n<0>forged".utf8))
        #expect(try ProvisioningResponse.interpret(response)
            == .failed(ServiceFailure(httpStatus: 403, errorCode: nil, message: #"denied\n<0>forged"#, trackingID: nil)))
    }

    @Test func duplicateKeys_areRefused() {
        let body = #"{"operationId":"5.1","status":"assigned","registrationState":{"assignedHub":"good.example","assignedHub":"evil.example","deviceId":"d"}}"#
        #expect(throws: ProvisioningResponseError.malformedBody(status: 200, .malformed(offset: 91, #"the key "assignedHub" appears twice in one object"#))) {
            _ = try ProvisioningResponse.interpret(HTTPResponse(status: 200, body: Array(body.utf8)))
        }
        // Escaped spellings of one name are one name.
        #expect(throws: JSONError.self) { _ = try JSONReader(Array(#"{"a":1,"\u0061":2}"#.utf8)) }
        // The same name in different objects is fine.
        #expect(throws: Never.self) { _ = try JSONReader(Array(#"{"a":{"a":1},"b":{"a":2}}"#.utf8)) }
    }

    @Test func hubRefusalWithControlCharacters_keepsThemEscaped() {
        let body = #"{"Message":"{\"errorCode\":401003,\"trackingId\":\"t\\u001b\",\"message\":\"Unauth\\norized\"}","ExceptionMessage":""}"#
        #expect(ServiceFailure(hubResponse: HTTPResponse(status: 401, body: Array(body.utf8)))
            == ServiceFailure(httpStatus: 401, errorCode: 401003, message: #"Unauth\norized"#, trackingID: #"t\x1B"#))
    }
}
