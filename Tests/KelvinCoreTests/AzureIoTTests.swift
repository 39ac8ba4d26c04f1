import AzureIoT
import HTTP1
import Testing
import Wire

@Suite struct RegistrationIDTests {
    @Test(arguments: ["my-x509-device", "device-01", "a", "x.y_z:1", "ends-with-dash-", String(repeating: "a", count: 128), "Upper-Case"])
    func validCommonNames_areAccepted(name: String) throws {
        #expect(try RegistrationID(commonName: name).value == name)
    }

    @Test func invalidCommonNames_sayWhatIsWrong() {
        #expect(throws: RegistrationID.Problem.empty) { try RegistrationID(commonName: "") }
        #expect(throws: RegistrationID.Problem.tooLong(length: 129)) { try RegistrationID(commonName: String(repeating: "a", count: 129)) }
        #expect(throws: RegistrationID.Problem.invalidCharacter(" ")) { try RegistrationID(commonName: "my device") }
        #expect(throws: RegistrationID.Problem.invalidCharacter("=")) { try RegistrationID(commonName: "CN=device") }
        #expect(throws: RegistrationID.Problem.invalidLastCharacter(".")) { try RegistrationID(commonName: "device.") }
    }

    @Test func upperCase_isFlagged() throws {
        #expect(try RegistrationID(commonName: "Device").hasUpperCase)
        #expect(try !RegistrationID(commonName: "device").hasUpperCase)
    }
}

@Suite struct EndpointTests {
    @Test func parsesHostPortAndLiterals() {
        #expect(Endpoint(parsing: "MyExampleHub.azure-devices.net") == Endpoint(host: "MyExampleHub.azure-devices.net", port: 443))
        #expect(Endpoint(parsing: "localhost:44301") == Endpoint(host: "localhost", port: 44301))
        #expect(Endpoint(parsing: "[::1]:8443") == Endpoint(host: "::1", port: 8443))
        #expect(Endpoint(parsing: "::1") == Endpoint(host: "::1", port: 443))
        #expect(Endpoint(parsing: "host:0") == nil)
        #expect(Endpoint(parsing: "host:99999") == nil)
        #expect(Endpoint(parsing: "https://host") == nil)
        #expect(Endpoint(parsing: "") == nil)
        #expect(Endpoint(host: "h", port: 443).hostHeader == "h")
        #expect(Endpoint(host: "::1", port: 8443).hostHeader == "[::1]:8443")
    }
}

@Suite struct ProvisioningStateMachineTests {
    let settings = ProvisioningSettings(
        endpoint: Endpoint(host: "global.azure-devices-provisioning.net"),
        idScope: "0ne00111111",
        registrationID: try! RegistrationID(commonName: "my-x509-device")
    )

    static let operationID = "5.506603669bd3e2bf.b3602f8f-76fe-4341-9214-bb6cfb891b8a"

    static func json(_ status: Int, _ body: String, retryAfter: Int? = nil) -> HTTPResponse {
        var headers = [HTTPHeader("Content-Type", "application/json; charset=utf-8")]
        if let retryAfter { headers.append(HTTPHeader("Retry-After", String(retryAfter))) }
        return HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    static let assigning = json(202, #"{"operationId":"\#(operationID)","status":"assigning"}"#, retryAfter: 3)
    static let assigned = json(200, JSONTests.assigned)
    static let hub = Assignment(hub: Endpoint(host: "MyExampleHub.azure-devices.net"), deviceID: "my-x509-device", substatus: "initialAssignment")

    @Test func registrationAcceptedThenAssigned_pollsAfterRetryAfterAndReportsTheHub() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        #expect(machine.start() == .send(ProvisioningRequests.register(settings)))
        #expect(machine.responseReceived(Self.assigning) == .sleep(milliseconds: 3_000))
        #expect(machine.timerFired() == .send(ProvisioningRequests.operationStatus(settings, operationID: Self.operationID)))
        #expect(machine.responseReceived(Self.assigning) == .sleep(milliseconds: 3_000))
        #expect(machine.timerFired() == .send(ProvisioningRequests.operationStatus(settings, operationID: Self.operationID)))
        #expect(machine.responseReceived(Self.assigned) == .assigned(Self.hub))
        #expect(machine.requestsSent == 3)
    }

    @Test func registerRequest_matchesTheWalkthrough() {
        let request = ProvisioningRequests.register(settings)
        #expect(request.method == .put)
        #expect(request.target == "/0ne00111111/registrations/my-x509-device/register?api-version=2021-06-01")
        #expect(request.bodyText == #"{"registrationId":"my-x509-device"}"#)
        #expect(request.headers.contains(HTTPHeader("Content-Type", "application/json")))
        #expect(request.headers.contains(HTTPHeader("Content-Encoding", "utf-8")))
        let poll = ProvisioningRequests.operationStatus(settings, operationID: "a b/c")
        #expect(poll.target == "/0ne00111111/registrations/my-x509-device/operations/a%20b%2Fc?api-version=2021-06-01")
        #expect(poll.method == .get)
        #expect(poll.body.isEmpty)
    }

    // Found by the dps-response fuzz target: the target was written into a fixed 768 bytes, so a
    // long operation ID (with a long registration ID) was cut off and the poll went to another URL.
    @Test func longOperationAndRegistrationIDs_areCarriedWhole() throws {
        let longest = ProvisioningSettings(idScope: "0ne00111111",
                                           registrationID: try RegistrationID(commonName: String(repeating: "d:", count: 63) + "01"))
        let operationID = String(repeating: "4.d2/", count: 120)
        let segment = String(repeating: "4.d2%2F", count: 120)
        let registration = String(repeating: "d%3A", count: 63) + "01"
        #expect(ProvisioningRequests.operationStatus(longest, operationID: operationID).target
            == "/0ne00111111/registrations/\(registration)/operations/\(segment)?api-version=2021-06-01")
        #expect(ProvisioningRequests.register(longest).target == "/0ne00111111/registrations/\(registration)/register?api-version=2021-06-01")
    }

    @Test func immediateAssignment_needsNoPoll() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        #expect(machine.responseReceived(Self.assigned) == .assigned(Self.hub))
    }

    @Test func retryAfter_isClampedToTheDPSPollLimit() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        #expect(machine.responseReceived(Self.json(202, #"{"operationId":"op","status":"assigning"}"#, retryAfter: 0)) == .sleep(milliseconds: 2_000))
        _ = machine.timerFired()
        #expect(machine.responseReceived(Self.json(202, #"{"operationId":"op","status":"assigning"}"#, retryAfter: 100_000)) == .sleep(milliseconds: 60_000))
        _ = machine.timerFired()
        #expect(machine.responseReceived(Self.json(202, #"{"operationId":"op","status":"assigning"}"#)) == .sleep(milliseconds: 2_000))
    }

    /// DPS's registration limit is the instance's: a fleet refused in the same second hears one
    /// Retry-After. Each device waits at least that long, and the devices do not all come back
    /// in the same second (make fleet: 2,236 refusals before, 1,513 after, for 1,000 devices at
    /// 200 registrations a minute).
    @Test func throttledRegistration_waitsRetryAfterAtLeast_andTheFleetComesBackSpread() {
        let waits = (UInt64(0)..<50).map { seed -> Int64 in
            var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: seed))
            _ = machine.start()
            guard case .sleep(let wait) = machine.responseReceived(Self.json(429, "", retryAfter: 60)) else { return -1 }
            #expect(machine.timerFired() == .send(ProvisioningRequests.register(settings)))
            return wait
        }
        #expect(waits.allSatisfy { (60_000...120_000).contains($0) })
        // Spread over the minute after Retry-After: no ten-second slice holds most of the fleet.
        let slices = Dictionary(grouping: waits) { ($0 - 60_000) / 10_000 }
        #expect(slices.count >= 4)
        #expect(slices.values.allSatisfy { $0.count < waits.count / 2 })
    }

    @Test func throttledPoll_keepsTheSameOperation() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        _ = machine.responseReceived(Self.assigning)
        _ = machine.timerFired()
        #expect(machine.responseReceived(Self.json(429, "", retryAfter: 5)) == .sleep(milliseconds: 5_000))
        #expect(machine.timerFired() == .send(ProvisioningRequests.operationStatus(settings, operationID: Self.operationID)))
        // A second transient failure in a row, a 5xx, waits between Azure's 5 s for server errors
        // and four times that (docs/azure-facts.md §6).
        guard case .sleep(let wait) = machine.responseReceived(Self.json(503, "")) else {
            Issue.record("expected a wait after 503")
            return
        }
        #expect((5_000...20_000).contains(wait))
        #expect(machine.timerFired() == .send(ProvisioningRequests.operationStatus(settings, operationID: Self.operationID)))
    }

    @Test func networkFailuresDuringRegister_backOffWithJitterThenGiveUp() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        var ceiling: Int64 = 4_000
        for attempt in 1...5 {
            guard case .sleep(let wait) = machine.requestFailed("refused") else {
                Issue.record("expected a wait after failure \(attempt)")
                return
            }
            #expect(wait >= 2_000 && wait <= ceiling, "failure \(attempt) waited \(wait) ms")
            #expect(machine.timerFired() == .send(ProvisioningRequests.register(settings)))
            ceiling = min(ceiling * 2, 60_000)
        }
        #expect(machine.requestFailed("refused") == .fail(.gaveUp(attempts: 6, lastProblem: "refused")))
    }

    @Test func jitterSchedule_isAPureFunctionOfTheSeed() {
        func schedule(seed: UInt64) -> [ProvisioningStateMachine<SplitMix64>.Action] {
            var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: seed))
            _ = machine.start()
            var actions: [ProvisioningStateMachine<SplitMix64>.Action] = []
            for _ in 1...4 {
                actions.append(machine.requestFailed("refused"))
                _ = machine.timerFired()
            }
            return actions
        }
        #expect(schedule(seed: 42) == schedule(seed: 42))
        #expect(schedule(seed: 42) != schedule(seed: 43))
    }

    @Test func pollIntervalFloor_holdsWhateverTheSettingsSay() {
        let eager = ProvisioningSettings(
            idScope: "0ne1", registrationID: try! RegistrationID(commonName: "d"),
            minimumPollIntervalMilliseconds: 100, maximumPollIntervalMilliseconds: 50, defaultPollIntervalMilliseconds: 10,
            retryPolicy: RetryPolicy(floorMilliseconds: 10, capMilliseconds: 20, maximumAttempts: 3)
        )
        #expect(eager.minimumPollIntervalMilliseconds == 2_000)
        #expect(eager.maximumPollIntervalMilliseconds == 2_000)
        #expect(eager.defaultPollIntervalMilliseconds == 2_000)
        #expect(eager.retryPolicy.floorMilliseconds == 2_000)
        var machine = ProvisioningStateMachine(settings: eager, random: SplitMix64(seed: 9))
        _ = machine.start()
        // Six requests, each after a wait of at least 2 s, span at least 10 s: DPS's 5 per 10 s holds.
        #expect(machine.responseReceived(Self.json(202, #"{"operationId":"op","status":"assigning"}"#, retryAfter: 0)) == .sleep(milliseconds: 2_000))
        _ = machine.timerFired()
        #expect(machine.responseReceived(Self.json(429, "")) == .sleep(milliseconds: 2_000))
        _ = machine.timerFired()
        #expect(machine.responseReceived(Self.json(503, "")) == .sleep(milliseconds: 5_000))
    }

    @Test func payload_isSentWithTheRegistration() throws {
        var withPayload = settings
        withPayload.payload = try ProvisioningPayload(json: #"{"modelId":"dtmi:com:example:Thermostat;1"}"#)
        #expect(ProvisioningRequests.register(withPayload).bodyText
            == #"{"registrationId":"my-x509-device","payload":{"modelId":"dtmi:com:example:Thermostat;1"}}"#)
        #expect(throws: ProvisioningPayloadError.notAnObject) { try ProvisioningPayload(json: "[1]") }
        #expect(throws: ProvisioningPayloadError.tooLarge(bytes: 70_000)) { try ProvisioningPayload(json: String(repeating: " ", count: 70_000)) }
        #expect(throws: ProvisioningPayloadError.self) { try ProvisioningPayload(json: "{modelId: 1}") }
        #expect(ProvisioningPayloadError.notAnObject.description.contains("JSON object"))
    }

    @Test func apiVersion_isTheConfiguredOne() {
        var preview = settings
        preview.apiVersion = "2025-07-01-preview"
        #expect(ProvisioningRequests.register(preview).target.hasSuffix("/register?api-version=2025-07-01-preview"))
        #expect(ProvisioningRequests.operationStatus(preview, operationID: "op").target.hasSuffix("?api-version=2025-07-01-preview"))
    }

    @Test func unassigned_keepsPollingLikeAssigning() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        #expect(machine.responseReceived(Self.json(202, #"{"operationId":"op","status":"unassigned"}"#, retryAfter: 3)) == .sleep(milliseconds: 3_000))
        #expect(machine.timerFired() == .send(ProvisioningRequests.operationStatus(settings, operationID: "op")))
    }

    @Test func failedAs4xxDuringPolling_isARejectionWithTrackingID() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        _ = machine.responseReceived(Self.assigning)
        _ = machine.timerFired()
        let body = #"{"errorCode":404201,"trackingId":"t-1","message":"Registration not found.","timestampUtc":"2024-01-01T00:00:00Z"}"#
        #expect(machine.responseReceived(Self.json(404, body)) == .fail(.rejected(ServiceFailure(
            httpStatus: 404, errorCode: 404201, message: "Registration not found.", trackingID: "t-1"
        ))))
    }

    @Test func errorBody_isARejectionWithTheServiceCode() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        let body = #"{"errorCode":401002,"trackingId":"8ad0463c","message":"Invalid certificate.","timestampUtc":"2020-04-10T05:24:22.4718526Z"}"#
        let failure = ServiceFailure(httpStatus: 401, errorCode: 401002, message: "Invalid certificate.", trackingID: "8ad0463c")
        #expect(machine.responseReceived(Self.json(401, body)) == .fail(.rejected(failure)))
        #expect(ProvisioningError.rejected(failure).description.contains("enrolled"))
    }

    @Test func failedIn200_isARejection() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        let body = #"{"operationId":"4.d0a6","status":"failed","registrationState":{"registrationId":"myRegistrationId","status":"failed","errorCode":400207,"errorMessage":"Custom allocation failed with status code: 400"}}"#
        #expect(machine.responseReceived(Self.json(200, body)) == .fail(.rejected(ServiceFailure(
            httpStatus: 200, errorCode: 400207, message: "Custom allocation failed with status code: 400", trackingID: nil
        ))))
    }

    @Test func disabled_isItsOwnFailure() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        let body = #"{"operationId":"","status":"disabled","registrationState":{"registrationId":"my-x509-device","status":"disabled"}}"#
        #expect(machine.responseReceived(Self.json(200, body)) == .fail(.enrollmentDisabled))
    }

    @Test func assignedWithoutHub_isMalformed() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        let action = machine.responseReceived(Self.json(200, #"{"operationId":"x","status":"assigned","registrationState":{"deviceId":"d"}}"#))
        #expect(action == .fail(.malformedResponse(.malformedBody(status: 200, .typeMismatch(path: "registrationState.assignedHub", expected: "a host name")))))
    }

    @Test func garbageBody_isMalformed() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        guard case .fail(.malformedResponse) = machine.responseReceived(Self.json(202, "<html>")) else {
            Issue.record("expected a malformed-response failure")
            return
        }
    }

    @Test func eventsAfterTheEnd_repeatTheOutcome() {
        var machine = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        _ = machine.start()
        _ = machine.responseReceived(Self.assigned)
        #expect(machine.timerFired() == .assigned(Self.hub))
        var fresh = ProvisioningStateMachine(settings: settings, random: SplitMix64(seed: 1))
        #expect(fresh.timerFired() == .fail(.unexpectedEvent("timer")))
    }
}

@Suite struct TelemetryTests {
    let assignment = Assignment(hub: Endpoint(host: "MyExampleHub.azure-devices.net"), deviceID: "my-x509-device", substatus: "initialAssignment")

    @Test func temperatureReading_isTheWalkthroughRequestWithSystemPropertyHeaders() throws {
        let channel = TelemetryChannel(assignment: assignment, messageIDPrefix: "my-x509-device-1800000000")
        let reading = channel.message(Reading(temperature: Millidegrees(23_125), temperatureFractionDigits: 2, takenAtMilliseconds: 1_795_933_200_123, sequence: 7))
        #expect(channel.hub == assignment.hub)
        #expect(reading.messageID == "my-x509-device-1800000000-7")
        var writer = ByteWriter(capacity: 1024)
        var scratch = ByteWriter(capacity: 64)
        try HTTPRequestEncoder.encode(reading, host: "MyExampleHub.azure-devices.net", bodyScratch: &scratch, into: &writer)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == """
            POST /devices/my-x509-device/messages/events?api-version=2020-03-13 HTTP/1.1\r
            Host: MyExampleHub.azure-devices.net\r
            Content-Type: application/json\r
            Content-Encoding: utf-8\r
            iothub-contenttype: application/json\r
            iothub-contentencoding: utf-8\r
            iothub-messageid: my-x509-device-1800000000-7\r
            iothub-app-iothub-creation-time-utc: 2026-11-29T06:20:00.123Z\r
            User-Agent: kelvin/\(KelvinVersion.text)\r
            Content-Length: 22\r
            \r
            {"temperature": 23.13}
            """)
    }

    @Test func deviceIDWithReservedCharacters_isPercentEncodedInTheTarget() {
        let odd = Assignment(hub: assignment.hub, deviceID: "line 1/sensor", substatus: "")
        let reading = TelemetryChannel(assignment: odd, messageIDPrefix: "p").message(Reading(temperature: Millidegrees(0), temperatureFractionDigits: 2, takenAtMilliseconds: 1_800_000_000_000, sequence: 1))
        var writer = ByteWriter(capacity: 256)
        reading.writeTarget(to: &writer)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "/devices/line%201%2Fsensor/messages/events?api-version=2020-03-13")
    }

    @Test func retryAfterAsHTTPDate_isSecondsFromNow() {
        let response = HTTPResponse(status: 429, headers: [HTTPHeader("Retry-After", "Fri, 15 Jan 2027 08:00:30 GMT")])
        #expect(response.retryAfterSeconds(now: 1_800_000_000) == 30)
        #expect(response.retryAfterSeconds == nil)
    }

    @Test func hubRefusals_areReadInBothBodyShapes() {
        let newShape = #"{"Message":"{\"errorCode\":401003,\"trackingId\":\"b1da\",\"message\":\"Unauthorized\",\"timestampUtc\":\"2020-04-06T17:15:11.6990676Z\"}","ExceptionMessage":""}"#
        #expect(ServiceFailure(hubResponse: HTTPResponse(status: 401, body: Array(newShape.utf8)))
            == ServiceFailure(httpStatus: 401, errorCode: 401003, message: "Unauthorized", trackingID: "b1da"))
        let oldShape = #"{"Message":"ErrorCode:IotHubUnauthorizedAccess;Unauthorized","ExceptionMessage":"Tracking ID:651347e2"}"#
        #expect(ServiceFailure(hubResponse: HTTPResponse(status: 401, body: Array(oldShape.utf8)))
            == ServiceFailure(httpStatus: 401, errorCode: 401_002, message: "ErrorCode:IotHubUnauthorizedAccess;Unauthorized", trackingID: nil))
        #expect(ServiceFailure(hubResponse: HTTPResponse(status: 404, headers: [HTTPHeader("iothub-errorcode", "DeviceNotFound")], body: Array("<html>".utf8)))
            == ServiceFailure(httpStatus: 404, errorCode: 404_001, message: "DeviceNotFound", trackingID: nil))
        #expect(ServiceFailure(hubResponse: HTTPResponse(status: 413)) == ServiceFailure(httpStatus: 413, errorCode: nil, message: nil, trackingID: nil))
    }
}

/// DPS's code when the body cannot carry it: `x-ms-error-code` (docs/azure-facts.md §2).
@Suite struct ProvisioningErrorHeaderTests {
    static func failure(_ response: HTTPResponse) throws -> ServiceFailure? {
        guard case .failed(let failure) = try ProvisioningResponse.interpret(response) else { return nil }
        return failure
    }

    @Test func emptyBody_takesTheCodeFromTheHeader() throws {
        let response = HTTPResponse(status: 401, headers: [HTTPHeader("x-ms-error-code", "401002")])
        #expect(try Self.failure(response) == ServiceFailure(httpStatus: 401, errorCode: 401_002, message: nil, trackingID: nil))
    }

    @Test func bodyThatIsNotJSON_takesTheCodeFromTheHeaderAndKeepsTheWords() throws {
        let response = HTTPResponse(status: 404, headers: [HTTPHeader("x-ms-error-code", "404201")], body: Array("<html>Not Found</html>".utf8))
        #expect(try Self.failure(response) == ServiceFailure(httpStatus: 404, errorCode: 404_201, message: "<html>Not Found</html>", trackingID: nil))
    }

    @Test func jsonWithoutACode_takesTheHeader_butTheBodysCodeWins() throws {
        let bare = HTTPResponse(status: 400, headers: [HTTPHeader("x-ms-error-code", "400004")], body: Array(#"{"message":"Invalid RegistrationId"}"#.utf8))
        #expect(try Self.failure(bare)?.errorCode == 400_004)
        let both = HTTPResponse(status: 401, headers: [HTTPHeader("x-ms-error-code", "401000")],
                                body: Array(#"{"errorCode":401002,"trackingId":"t","message":"Invalid certificate."}"#.utf8))
        #expect(try Self.failure(both) == ServiceFailure(httpStatus: 401, errorCode: 401_002, message: "Invalid certificate.", trackingID: "t"))
    }

    @Test func headerThatIsNotANumber_leavesNoCode() throws {
        for value in ["", "Unauthorized", "401002x", "-5"] {
            let response = HTTPResponse(status: 401, headers: [HTTPHeader("x-ms-error-code", value)])
            #expect(try Self.failure(response)?.errorCode == nil, "\(value)")
        }
        #expect(try Self.failure(HTTPResponse(status: 401))?.errorCode == nil)
    }
}
