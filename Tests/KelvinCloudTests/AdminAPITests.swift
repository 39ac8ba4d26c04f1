import Foundation
import Testing

@testable import KelvinCloud

/// The admin API driven with plain-HTTP curl, and its effect seen by the device's curl.
@Suite struct AdminAPITests {
    private func adminCloud() throws -> LocalCloud {
        try LocalCloud.provisioned { $0.adminPort = 0 }
    }

    private func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    // MARK: - Listener

    @Test func adminListener_bindsLoopbackOnlyWhateverTheConfiguredHost() throws {
        let cloud = try LocalCloud.provisioned {
            $0.adminPort = 0
            $0.host = "0.0.0.0"
        }
        defer { cloud.stop() }
        let port = try #require(cloud.server.adminPort)
        #expect(port != 0)
        #expect(![cloud.server.dpsPort, cloud.server.hubPort].contains(port))

        // DPS took the configured wildcard address: it answers on another loopback address too.
        let viaOtherAddress = try cloud.register(
            as: cloud.device,
            arguments: ["--resolve", "localhost:\(cloud.server.dpsPort):127.0.0.2"]
        )
        #expect(viaOtherAddress.status == 202, "\(viaOtherAddress.standardError)")

        // The admin API did not: 127.0.0.2 is refused (curl 7), 127.0.0.1 answers.
        let refused = try Curl.run(["http://127.0.0.2:\(port)/admin/faults"], trusting: nil, as: nil, scratch: cloud.scratch)
        #expect(refused.exitCode == 7, "\(refused.standardError)")
        #expect(try cloud.admin("GET", "faults").status == 200)
    }

    @Test func noAdminPort_runsNoAdminListener() throws {
        let cloud = try LocalCloud()
        defer { cloud.stop() }

        #expect(cloud.server.adminPort == nil)
    }

    // MARK: - Messages and devices

    @Test func getMessages_describesEachMessageAndFiltersByDevice() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }
        let text = #"{"temperature": 30}"#
        let sent = try cloud.sendTelemetry(
            text,
            as: cloud.device,
            arguments: ["-H", "iothub-messageid: m-1", "-H", "iothub-app-color: red"]
        )
        #expect(sent.status == 204)
        let binaryFile = cloud.scratch.file("binary-body")
        try Data([0xFF, 0xFE]).write(to: URL(fileURLWithPath: binaryFile))
        #expect(try cloud.sendTelemetry("@\(binaryFile)", as: cloud.device).status == 204)

        let listing = try cloud.admin("GET", "messages")
        #expect(listing.status == 200)
        #expect(listing.header("Content-Type") == "application/json; charset=utf-8")
        let document = try listing.jsonObject()
        #expect(document["count"] as? Int == 2)
        #expect(document["duplicates"] as? Int == 0)
        let messages = try #require(document["messages"] as? [[String: Any]])
        try #require(messages.count == 2)

        let first = messages[0]
        #expect(first["hub"] as? String == "hub")
        #expect(first["deviceId"] as? String == "my-device")
        #expect(first["messageId"] as? String == "m-1")
        #expect(first["body"] as? String == text)
        #expect(first["bodyBase64"] as? String == Data(text.utf8).base64EncodedString())
        #expect(first["properties"] as? [String: String] == ["color": "red"])
        #expect((first["systemProperties"] as? [String: String])?["iothub-messageid"] == "m-1")
        #expect(first["batched"] as? Bool == false)
        #expect((first["receivedAt"] as? String)?.hasSuffix("Z") == true)

        let binary = messages[1]
        #expect(binary["messageId"] is NSNull)
        #expect(binary["body"] is NSNull)
        #expect(binary["bodyBase64"] as? String == "//4=")

        let mine = try cloud.admin("GET", "messages?deviceId=my-device").jsonObject()
        #expect(mine["count"] as? Int == 2)
        let nobodys = try cloud.admin("GET", "messages?deviceId=nobody").jsonObject()
        #expect(nobodys["count"] as? Int == 0)
        #expect((nobodys["messages"] as? [Any])?.isEmpty == true)
    }

    @Test func getMessagesAfter_returnsOnlyNewerOnesAndTheLatestSequence() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }
        for body in ["1", "2", "3"] {
            #expect(try cloud.sendTelemetry(body, as: cloud.device).status == 204)
        }

        let all = try cloud.admin("GET", "messages").jsonObject()
        #expect(all["latestSequence"] as? Int == 3)
        #expect((all["messages"] as? [[String: Any]])?.compactMap { $0["sequence"] as? Int } == [1, 2, 3])

        let newer = try cloud.admin("GET", "messages?after=1").jsonObject()
        #expect(newer["latestSequence"] as? Int == 3)
        #expect((newer["messages"] as? [[String: Any]])?.compactMap { $0["body"] as? String } == ["2", "3"])
        let none = try cloud.admin("GET", "messages?after=3&deviceId=my-device").jsonObject()
        #expect(none["count"] as? Int == 0)
        #expect(none["latestSequence"] as? Int == 3)

        // Clearing must not hand a number out twice, or a reader at 3 would skip the next message.
        #expect(try cloud.admin("DELETE", "messages").status == 200)
        #expect(try cloud.sendTelemetry("4", as: cloud.device).status == 204)
        let afterClear = try cloud.admin("GET", "messages?after=3").jsonObject()
        #expect((afterClear["messages"] as? [[String: Any]])?.compactMap { $0["sequence"] as? Int } == [4])

        #expect(try cloud.admin("GET", "messages?after=soon").status == 400)
    }

    @Test func deleteMessages_emptiesTheStore() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }
        #expect(try cloud.send(.telemetry).status == 204)

        let deleted = try cloud.admin("DELETE", "messages")
        #expect(deleted.status == 200)
        #expect(try deleted.jsonObject()["deleted"] as? Int == 1)
        #expect(cloud.server.receivedTelemetry.isEmpty)
        #expect(try cloud.admin("GET", "messages").jsonObject()["count"] as? Int == 0)
    }

    @Test func getDevices_listsTheProvisionedDevice() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        let result = try cloud.admin("GET", "devices")
        #expect(result.status == 200)
        let devices = try #require(try JSONSerialization.jsonObject(with: Data(result.body.utf8)) as? [[String: Any]])
        try #require(devices.count == 1)
        #expect(devices[0]["deviceId"] as? String == "my-device")
        #expect(devices[0]["registrationId"] as? String == "my-device")
        #expect(devices[0]["hub"] as? String == "hub")
        #expect(devices[0]["assignedHub"] as? String == cloud.server.assignedHub)
        #expect(devices[0]["thumbprint"] as? String == cloud.device.thumbprint.hex)
        #expect(devices[0]["enabled"] as? Bool == true)
    }

    @Test func disableDevice_telemetryGets403DeviceDisabledUntilEnabled() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        let disabled = try cloud.admin("POST", "devices/my-device/disable")
        #expect(disabled.status == 200)
        #expect(try disabled.jsonObject()["enabled"] as? Bool == false)
        let refused = try cloud.send(.telemetry)
        #expect(refused.status == 403)
        #expect(refused.header("iothub-errorcode") == "DeviceDisabled")
        #expect(try refused.hubErrorCode() == 403012)
        #expect(cloud.server.receivedTelemetry.isEmpty)

        #expect(try cloud.admin("POST", "devices/my-device/enable").status == 200)
        #expect(try cloud.send(.telemetry).status == 204)
    }

    @Test func deleteRegistration_telemetryGets401UntilTheDeviceProvisionsAgain() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        let deleted = try cloud.admin("DELETE", "registrations/my-device")
        #expect(deleted.status == 200)
        #expect(try deleted.jsonObject()["deleted"] as? String == "my-device")
        #expect(cloud.server.registrations.isEmpty)
        let refused = try cloud.send(.telemetry)
        #expect(refused.status == 401)
        #expect(refused.header("iothub-errorcode") == "IotHubUnauthorized")
        #expect(try cloud.admin("DELETE", "registrations/my-device").status == 404)

        try cloud.provision()
        #expect(try cloud.send(.telemetry).status == 204)
    }

    // MARK: - Enrollments

    @Test func putEnrollment_withPEM_letsASecondDeviceProvisionAtRuntime() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }
        #expect(try cloud.register(as: cloud.intruder, registrationID: "intruder").status == 401)

        let pem = try String(contentsOfFile: cloud.intruder.certificateFile, encoding: .utf8)
        let put = try cloud.admin("PUT", "enrollments/intruder", body: try json(["certificate": pem]))
        #expect(put.status == 200, "\(put.body)")
        let enrolled = try #require(put.jsonObject()["individualEnrollments"] as? [[String: Any]])
        #expect(enrolled.map { $0["registrationId"] as? String } == ["my-device", "intruder"])
        #expect(enrolled.last?["thumbprint"] as? String == cloud.intruder.thumbprint.hex)

        try cloud.provision(as: cloud.intruder, registrationID: "intruder")
        let telemetry = try cloud.sendTelemetry("{}", as: cloud.intruder, deviceID: "intruder")
        #expect(telemetry.status == 204)
        #expect(cloud.server.receivedTelemetry.map(\.deviceID) == ["intruder"])
    }

    @Test func disableEnrollment_registerAnswers200Disabled() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        #expect(try cloud.admin("POST", "enrollments/my-device/disable").status == 200)
        let refused = try cloud.send(.register)
        #expect(refused.status == 200)
        let body = try refused.jsonObject()
        #expect(body["status"] as? String == "disabled")
        #expect((body["registrationState"] as? [String: Any])?["status"] as? String == "disabled")

        #expect(try cloud.admin("POST", "enrollments/my-device/enable").status == 200)
        #expect(try cloud.send(.register).status == 202)
    }

    // MARK: - Faults

    @Test func postFaults_queuesStepsTheNextRequestsTake() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }
        let script = try json([
            "route": "telemetry",
            "hub": "hub",
            "subject": "my-device",
            "steps": [
                ["fault": "respond", "status": 500, "headers": ["x-test": "1"]],
                ["fault": "closeBeforeResponding"],
            ],
        ])

        let posted = try cloud.admin("POST", "faults", body: script)
        #expect(posted.status == 200, "\(posted.body)")
        #expect(try posted.jsonObject()["pendingSteps"] as? Int == 2)
        #expect(try cloud.admin("GET", "faults").jsonObject()["pendingSteps"] as? Int == 2)

        let scripted = try cloud.send(.telemetry)
        #expect(scripted.status == 500)
        #expect(scripted.header("x-test") == "1")
        #expect(try cloud.send(.telemetry).exitCode == 52)
        #expect(try cloud.admin("GET", "faults").jsonObject()["pendingSteps"] as? Int == 0)
        #expect(try cloud.send(.telemetry).status == 204)
    }

    /// What the desk shows: each route's answers and refusals, the refusals newest first with
    /// their error codes, and the outages still running.
    @Test func getExchanges_talliesTheServicesTrafficAndListsRefusals() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        #expect(try cloud.send(.telemetry).status == 204)
        #expect(try cloud.admin("POST", "outage", body: #"{"hub": "hub", "seconds": 60}"#).status == 200)
        let refused = try cloud.send(.telemetry)
        #expect(refused.status == 503)

        let faults = try cloud.admin("GET", "faults").jsonObject()
        let outages = try #require(faults["outages"] as? [[String: Any]])
        #expect(outages.count == 1)
        #expect(outages.first?["hub"] as? String == "hub")

        let exchanges = try cloud.admin("GET", "exchanges").jsonObject()
        let routes = try #require(exchanges["routes"] as? [[String: Any]])
        let telemetry = try #require(routes.first { $0["service"] as? String == "hub" && $0["route"] as? String == "telemetry" })
        #expect(telemetry["answered"] as? Int == 1)
        #expect(telemetry["refused"] as? Int == 1)
        let refusals = try #require(exchanges["recentRefusals"] as? [[String: Any]])
        let newest = try #require(refusals.first)
        #expect(newest["status"] as? Int == 503)
        #expect(newest["errorCode"] as? String == refused.header("iothub-errorcode"))
        #expect(newest["subject"] as? String == LocalCloud.registrationID)
        // The admin API's own requests are not the services' traffic.
        #expect(!routes.contains { $0["service"] as? String == "admin" })
    }

    @Test func postFaults_acceptsEveryStepName() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }
        let steps: [[String: Any]] = [
            ["fault": "respond", "status": 503, "body": "down", "delaySeconds": 0.1],
            ["fault": "delay", "seconds": 0.1],
            ["fault": "closeBeforeResponding"],
            ["fault": "closeAfterProcessing"],
            ["fault": "closeMidBody"],
            ["fault": "stall"],
            ["fault": "garbage"],
            ["fault": "slowDrip", "bytesPerWrite": 16, "intervalSeconds": 0.01],
        ]
        #expect(Set(steps.compactMap { $0["fault"] as? String }) == Set(FaultJSON.stepNames))

        let posted = try cloud.admin("POST", "faults", body: try json(["route": "register", "steps": steps]))
        #expect(posted.status == 200, "\(posted.body)")
        #expect(cloud.server.pendingFaultSteps == steps.count)
    }

    /// A web page in a browser on this machine must not drive the admin API: browsers send
    /// `Origin` (and `Sec-Fetch-Site`) on cross-site requests, and a DNS-rebinding page's `Host`.
    @Test(arguments: [
        ["Origin: http://evil.example"],
        ["Origin: null"],
        ["Host: evil.example"],
        ["Sec-Fetch-Site: cross-site"],
    ])
    func crossSiteRequest_is403AndChangesNothing(headers: [String]) throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        let refused = try cloud.admin("POST", "outage", body: #"{"hub": "hub", "seconds": 60}"#, headers: headers)

        #expect(refused.status == 403, "\(refused.body)")
        #expect(refused.body.contains("refused") || refused.body.contains("loopback"), "\(refused.body)")
        #expect(try cloud.send(.register).status == 202)
    }

    @Test func ownPageOrigin_isTaken() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }
        let port = try #require(cloud.server.adminPort)

        let same = try cloud.admin("GET", "hubs", headers: ["Origin: http://127.0.0.1:\(port)", "Sec-Fetch-Site: same-origin"])

        #expect(same.status == 200, "\(same.body)")
    }

    @Test func postThrottle_answers429WithRetryAfterThenTheRealAnswer() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        let posted = try cloud.admin("POST", "throttle", body: #"{"route": "register", "count": 1, "retryAfterSeconds": 4}"#)
        #expect(posted.status == 200, "\(posted.body)")
        let throttled = try cloud.send(.register)
        #expect(throttled.status == 429)
        #expect(throttled.header("Retry-After") == "4")
        #expect(throttled.header("x-ms-error-code") == "429001")
        #expect(try cloud.send(.register).status == 202)
    }

    @Test func deleteFaults_endsOutagesAndDropsQueuedSteps() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        let outage = try cloud.admin("POST", "outage", body: #"{"hub": "hub", "seconds": 60}"#)
        #expect(outage.status == 200, "\(outage.body)")
        #expect((try outage.jsonObject()["until"] as? String)?.hasSuffix("Z") == true)
        #expect(try cloud.send(.telemetry).status == 503)
        let stall = #"{"route": "telemetry", "steps": [{"fault": "stall"}]}"#
        #expect(try cloud.admin("POST", "faults", body: stall).status == 200)
        #expect(try cloud.admin("GET", "faults").jsonObject()["pendingSteps"] as? Int == 1)

        let cleared = try cloud.admin("DELETE", "faults")
        #expect(cleared.status == 200)
        #expect(try cleared.jsonObject()["cleared"] as? Bool == true)
        #expect(cloud.server.pendingFaultSteps == 0)
        #expect(try cloud.send(.telemetry, arguments: ["--max-time", "5"]).status == 204)
    }

    @Test func postOutage_makesTheHubAnswer503() throws {
        let cloud = try adminCloud()
        defer { cloud.stop() }

        #expect(try cloud.admin("POST", "outage", body: #"{"seconds": 60}"#).status == 200)
        let refused = try cloud.send(.telemetry)
        #expect(refused.status == 503)
        #expect(refused.header("iothub-errorcode") == "ServiceUnavailable")
    }

    // MARK: - Refusals

    struct BadRequest: Sendable, CustomTestStringConvertible {
        var method: String
        var path: String
        var body: String?
        var status: Int
        /// Texts the error must contain: the field at fault and what to do instead.
        var mentions: [String]

        var testDescription: String { "\(method) \(path) \(body ?? "")" }
    }

    static let badRequests = [
        BadRequest(
            method: "POST",
            path: "faults",
            body: "{not json",
            status: 400,
            mentions: ["fault script is not valid JSON (Invalid value around character 1.)", "send one JSON object"]
        ),
        BadRequest(
            method: "POST",
            path: "faults",
            body: #"{"route": "telemetry", "steps": [{"fault": "stall"}], "colour": "red"}"#,
            status: 400,
            mentions: [#"unknown field "colour""#, "known: hub, route, steps, subject"]
        ),
        BadRequest(
            method: "POST",
            path: "faults",
            body: #"{"route": "twin", "steps": [{"fault": "stall"}]}"#,
            status: 400,
            mentions: [#""route" must be one of register, operationStatus, registrationStatus, telemetry"#]
        ),
        BadRequest(
            method: "POST",
            path: "faults",
            body: #"{"route": "telemetry", "steps": [{"fault": "explode"}]}"#,
            status: 400,
            mentions: ["step 0", #""fault" must be one of respond, delay"#]
        ),
        BadRequest(
            method: "POST",
            path: "faults",
            body: #"{"route": "telemetry", "steps": []}"#,
            status: 400,
            mentions: [#""steps" must list at least one step"#]
        ),
        BadRequest(
            method: "POST",
            path: "faults",
            body: #"{"route": "telemetry", "hub": "nowhere", "steps": [{"fault": "stall"}]}"#,
            status: 400,
            mentions: [#"no hub named "nowhere" (hubs: hub)"#]
        ),
        BadRequest(
            method: "POST",
            path: "faults",
            body: #"{"route": "register", "hub": "hub", "steps": [{"fault": "stall"}]}"#,
            status: 400,
            mentions: [#""hub" narrows route telemetry only; leave it out for route register"#]
        ),
        BadRequest(
            method: "POST",
            path: "throttle",
            body: #"{"route": "register", "hub": "hub"}"#,
            status: 400,
            mentions: [#""hub" narrows route telemetry only"#]
        ),
        BadRequest(
            method: "POST",
            path: "throttle",
            body: #"{"route": "register", "count": 0}"#,
            status: 400,
            mentions: [#""count" must be an integer in 1...10000"#]
        ),
        BadRequest(
            method: "POST",
            path: "outage",
            body: #"{"hub": "nowhere"}"#,
            status: 400,
            mentions: [#"no hub named "nowhere" (hubs: hub)"#]
        ),
        BadRequest(
            method: "GET",
            path: "nothing",
            status: 404,
            mentions: ["no admin route GET /admin/nothing", "routes under /admin: GET|DELETE messages"]
        ),
        BadRequest(method: "POST", path: "devices/nobody/disable", status: 404, mentions: ["no device nobody"]),
        BadRequest(
            method: "PUT",
            path: "enrollments/second",
            body: "{}",
            status: 400,
            mentions: [#"give "certificate" (PEM), "certificateFile" or "thumbprint""#]
        ),
        BadRequest(
            method: "PUT",
            path: "enrollments/second",
            body: #"{"certificateFile": "device.pem"}"#,
            status: 400,
            mentions: [#"send the PEM as "certificate""#]
        ),
        BadRequest(
            method: "PUT",
            path: "enrollments/second",
            body: #"{"thumbprint": "\#(String(repeating: "ab", count: 32))", "hubs": ["nowhere"]}"#,
            status: 400,
            mentions: [#"no hub named "nowhere" (hubs: hub)"#]
        ),
        BadRequest(
            method: "PUT",
            path: "groups/line-1",
            body: #"{"certificateAuthority": "missing-ca"}"#,
            status: 400,
            mentions: [
                #""certificateAuthority" names "missing-ca", which has not been uploaded (uploaded: none)"#,
                "upload that CA first",
            ]
        ),
    ]

    @Test(arguments: badRequests)
    func badRequest_isRefusedWithAnErrorNamingTheFieldAndTheFix(_ request: BadRequest) throws {
        let cloud = try LocalCloud { $0.adminPort = 0 }
        defer { cloud.stop() }
        let before = cloud.server.enrollments

        let result = try cloud.admin(request.method, request.path, body: request.body)
        #expect(result.status == request.status)
        #expect(result.header("Content-Type") == "application/json; charset=utf-8")
        let message = try #require(try result.jsonObject()["error"] as? String)
        for text in request.mentions {
            #expect(message.contains(text), "\(message)")
        }
        #expect(cloud.server.pendingFaultSteps == 0)
        #expect(cloud.server.enrollments == before)
    }

    @Test func pathOutsideAdmin_gets404() throws {
        let cloud = try LocalCloud { $0.adminPort = 0 }
        defer { cloud.stop() }

        let result = try Curl.run([try cloud.adminURL("elsewhere")], trusting: nil, as: nil, scratch: cloud.scratch)
        #expect(result.status == 404)
        let message = try #require(try result.jsonObject()["error"] as? String)
        #expect(message.hasPrefix("no admin route GET /elsewhere; routes under /admin:"))
    }
}
