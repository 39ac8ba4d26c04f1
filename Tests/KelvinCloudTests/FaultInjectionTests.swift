import Foundation
import Testing

@testable import KelvinCloud

/// Every fault step, seen from curl on the DPS register and hub telemetry routes.
@Suite struct FaultInjectionTests {
    /// How many requests on `route` reached the service logic: messages stored, or registers DPS
    /// started an operation for (one log line each).
    private func handledCount(_ route: CloudRoute, _ cloud: LocalCloud) -> Int {
        switch route {
        case .telemetry:
            return cloud.server.receivedTelemetry.count
        default:
            return cloud.log.lines.count { $0.hasPrefix("dps: my-device registering through") }
        }
    }

    /// One request on `route` that took a fault step, as curl saw it.
    private struct FaultedExchange {
        var result: CurlResult
        var seconds: Double
        /// How many requests the service logic handled meanwhile: 0 or 1.
        var handled: Int
    }

    /// Queues `step` alone and sends one request on `route` to take it.
    private func exchange(
        _ step: FaultStep,
        on route: CloudRoute,
        in cloud: LocalCloud,
        arguments: [String] = []
    ) throws -> FaultedExchange {
        let before = handledCount(route, cloud)
        cloud.server.addFaults(FaultScript(route: route, steps: [step]))
        let (result, seconds) = try timed { try cloud.send(route, arguments: arguments) }
        return FaultedExchange(result: result, seconds: seconds, handled: handledCount(route, cloud) - before)
    }

    private func successStatus(_ route: CloudRoute) -> Int {
        route == .telemetry ? 204 : 202
    }

    private func scripted(_ status: Int, headers: [HTTPHeaderField] = [], delaySeconds: Double = 0) -> FaultStep {
        .respond(ScriptedResponse(status: status, headers: headers, delaySeconds: delaySeconds))
    }

    // MARK: - respond and delay

    @Test(arguments: [CloudRoute.telemetry, .register])
    func respondWithoutBody_answersInTheServiceErrorShapeWithScriptedHeaders(route: CloudRoute) throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        let step = scripted(500, headers: [HTTPHeaderField(name: "x-scripted", value: "yes")])

        let sent = try exchange(step, on: route, in: cloud)
        let result = sent.result
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.status == 500)
        #expect(result.header("x-scripted") == "yes")
        #expect(result.header("Content-Type") == "application/json; charset=utf-8")
        let body = try result.jsonObject()
        if route == .telemetry {
            #expect(result.header("iothub-errorcode") == "ServerError")
            #expect(try result.hubErrorCode() == 500001)
            #expect(body["ExceptionMessage"] as? String == "")
        } else {
            #expect(result.header("x-ms-error-code") == "500001")
            #expect(body["errorCode"] as? Int == 500001)
            #expect(body["message"] as? String == "Internal server error.")
            #expect((body["trackingId"] as? String)?.count == 36)
        }
        #expect(sent.handled == 0)
        #expect(cloud.server.pendingFaultSteps == 0)
    }

    @Test func respondWithBody_answersExactlyThatBody() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        let custom = ScriptedResponse(
            status: 400,
            headers: [HTTPHeaderField(name: "Content-Type", value: "text/plain")],
            body: Array("scripted refusal".utf8)
        )
        cloud.server.addFaults(FaultScript(route: .telemetry, steps: [.respond(custom)]))

        let result = try cloud.send(.telemetry)
        #expect(result.status == 400)
        #expect(result.body == "scripted refusal")
        #expect(result.header("Content-Type") == "text/plain")
        #expect(result.header("iothub-errorcode") == nil)
        #expect(cloud.server.receivedTelemetry.isEmpty)
    }

    @Test(arguments: [CloudRoute.telemetry, .register])
    func respondWithDelay_answersNoSoonerThanTheDelay(route: CloudRoute) throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        let sent = try exchange(scripted(503, delaySeconds: 0.5), on: route, in: cloud)
        #expect(sent.result.status == 503)
        #expect(sent.seconds >= 0.5)
    }

    @Test(arguments: [CloudRoute.telemetry, .register])
    func delay_servesTheRealAnswerNoSoonerThanTheDelay(route: CloudRoute) throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        let sent = try exchange(.delay(seconds: 0.5), on: route, in: cloud)
        #expect(sent.result.exitCode == 0, "\(sent.result.standardError)")
        #expect(sent.result.status == successStatus(route))
        #expect(sent.seconds >= 0.5)
        #expect(sent.handled == 1)
    }

    @Test func respondAndDelaySteps_leaveTheConnectionUsable() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.addFaults(FaultScript(route: .telemetry, steps: [scripted(500), .delay(seconds: 0.3)]))

        let url = cloud.telemetryURL()
        let result = try cloud.curl(
            ["-X", "POST", "-d", #"{"n": 1}"#, "-w", "%{http_code} %{num_connects}\n", url, url, url],
            as: cloud.device
        )
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput == "500 1\n204 0\n204 0\n")
        #expect(cloud.server.receivedTelemetry.count == 2)
    }

    // MARK: - Closing, stalling and garbling

    /// What curl sees when a fault keeps the answer from arriving whole.
    struct BrokenAnswer: Sendable, CustomTestStringConvertible {
        var step: FaultStep
        var route: CloudRoute
        var exitCode: Int32
        /// The status curl read before the connection closed, if any.
        var status: Int?
        /// Whether the service logic handled the request before the answer broke.
        var handled: Int

        var testDescription: String { "\(step) on \(route)" }
    }

    static let brokenAnswers = [
        // curl 52: "Empty reply from server".
        BrokenAnswer(step: .closeBeforeResponding, route: .telemetry, exitCode: 52, handled: 0),
        BrokenAnswer(step: .closeBeforeResponding, route: .register, exitCode: 52, handled: 0),
        BrokenAnswer(step: .closeAfterProcessing, route: .telemetry, exitCode: 52, handled: 1),
        BrokenAnswer(step: .closeAfterProcessing, route: .register, exitCode: 52, handled: 1),
        // The hub's bodiless 204 is cut inside its status line: curl 52 again, no status.
        BrokenAnswer(step: .closeMidBody, route: .telemetry, exitCode: 52, handled: 1),
        // DPS's chunked 202 is cut inside its body: curl 18, "transfer closed with outstanding
        // read data remaining", after reading the head.
        BrokenAnswer(step: .closeMidBody, route: .register, exitCode: 18, status: 202, handled: 1),
        // curl 1: "Received HTTP/0.9 when not allowed".
        BrokenAnswer(step: .garbage, route: .telemetry, exitCode: 1, handled: 0),
        BrokenAnswer(step: .garbage, route: .register, exitCode: 1, handled: 0),
    ]

    @Test(arguments: brokenAnswers)
    func brokenAnswer_curlReportsTheFailureAndTheNextRequestIsServed(_ expected: BrokenAnswer) throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }

        let sent = try exchange(expected.step, on: expected.route, in: cloud)
        #expect(sent.result.exitCode == expected.exitCode, "\(sent.result.standardError)")
        #expect(sent.result.status == expected.status)
        #expect(sent.handled == expected.handled)
        #expect(cloud.server.pendingFaultSteps == 0)
        #expect(try cloud.send(expected.route).status == successStatus(expected.route))
    }

    @Test func closeAfterProcessing_thenRetryWithSameMessageID_countsOneDuplicate() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.addFaults(FaultScript(route: .telemetry, steps: [.closeAfterProcessing]))
        let messageID = ["-H", "iothub-messageid: reading-1"]

        let lost = try cloud.send(.telemetry, arguments: messageID)
        #expect(lost.exitCode == 52)
        #expect(cloud.server.duplicateMessageCount == 0)

        let retry = try cloud.send(.telemetry, arguments: messageID)
        #expect(retry.status == 204)
        #expect(cloud.server.receivedTelemetry.map(\.messageID) == ["reading-1", "reading-1"])
        #expect(cloud.server.duplicateMessageCount == 1)
    }

    @Test(arguments: [CloudRoute.telemetry, .register])
    func stall_curlTimesOutAndNothingIsProcessed(route: CloudRoute) throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        let sent = try exchange(.stall, on: route, in: cloud, arguments: ["--max-time", "2"])
        #expect(sent.result.exitCode == 28, "\(sent.result.standardError)")
        #expect(sent.result.status == nil)
        #expect(sent.seconds >= 2)
        #expect(sent.handled == 0)
        #expect(cloud.server.pendingFaultSteps == 0)
    }

    @Test(arguments: [CloudRoute.telemetry, .register])
    func slowDrip_deliversTheWholeAnswerNoSoonerThanTheDripTakes(route: CloudRoute) throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        let bytesPerWrite = 64
        let interval = 0.05
        let sent = try exchange(
            .slowDrip(bytesPerWrite: bytesPerWrite, intervalSeconds: interval),
            on: route,
            in: cloud,
            arguments: ["-w", "%{size_header} %{size_download}"]
        )
        let result = sent.result
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.status == successStatus(route))
        if route == .telemetry {
            #expect(result.header("Content-Length") == "0")
        } else {
            #expect(try result.jsonObject()["status"] as? String == "assigning")
            #expect(try result.jsonObject()["operationId"] is String)
        }
        // Head plus decoded body is no more than went over the wire, so this is a lower bound on
        // the writes, and every write after the first waited `interval`.
        let received = result.standardOutput.split(separator: " ").compactMap { Int($0) }.reduce(0, +)
        let writes = (received + bytesPerWrite - 1) / bytesPerWrite
        #expect(writes > 1)
        #expect(sent.seconds >= Double(writes - 1) * interval)
        #expect(sent.handled == 1)
    }

    // MARK: - Which requests a script takes

    @Test func steps_areTakenInOrderOnePerRequestThenTheScriptIsExhausted() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.addFaults(FaultScript(route: .telemetry, steps: [scripted(500), scripted(503)]))
        cloud.server.addFaults(FaultScript(route: .telemetry, steps: [scripted(429)]))
        #expect(cloud.server.pendingFaultSteps == 3)

        var statuses: [Int?] = []
        var pending: [Int] = []
        for _ in 0..<4 {
            statuses.append(try cloud.send(.telemetry).status)
            pending.append(cloud.server.pendingFaultSteps)
        }
        #expect(statuses == [500, 503, 429, 204])
        #expect(pending == [2, 1, 0, 0])
        #expect(cloud.server.receivedTelemetry.count == 1)
    }

    @Test func scriptForAnotherRoute_leavesThisRouteAlone() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.addFaults(FaultScript(route: .register, steps: [scripted(500)]))

        #expect(try cloud.send(.telemetry).status == 204)
        #expect(cloud.server.pendingFaultSteps == 1)
        #expect(try cloud.send(.register).status == 500)
    }

    @Test func subject_onlyFaultsThatDevicesTelemetry() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.addFaults(FaultScript(route: .telemetry, subject: "other-device", steps: [scripted(500)]))
        cloud.server.addFaults(FaultScript(route: .telemetry, subject: "my-device", steps: [scripted(503)]))

        #expect(try cloud.send(.telemetry).status == 503)
        #expect(try cloud.send(.telemetry).status == 204)
        #expect(cloud.server.pendingFaultSteps == 1)
    }

    @Test func subject_matchesTheRegistrationIDIgnoringCase() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.addFaults(FaultScript(route: .register, subject: "MY-DEVICE", steps: [scripted(503)]))

        // Another registration ID gets DPS's own answer and leaves the step for my-device.
        let other = try cloud.register(as: cloud.intruder, registrationID: "intruder")
        #expect(other.status == 401)
        #expect(cloud.server.pendingFaultSteps == 1)
        #expect(try cloud.send(.register).status == 503)
        #expect(cloud.server.pendingFaultSteps == 0)
    }

    @Test func hubName_onlyFaultsThatHub() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.addFaults(FaultScript(route: .telemetry, hubName: "other-hub", steps: [scripted(500)]))

        #expect(try cloud.send(.telemetry).status == 204)
        #expect(cloud.server.pendingFaultSteps == 1)

        cloud.server.addFaults(FaultScript(route: .telemetry, hubName: "hub", steps: [scripted(503)]))
        #expect(try cloud.send(.telemetry).status == 503)
        #expect(cloud.server.pendingFaultSteps == 1)
    }

    @Test func clearFaults_dropsEveryPendingStep() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.addFaults(FaultScript(route: .telemetry, steps: [.stall, .stall]))
        cloud.server.clearFaults()

        #expect(cloud.server.pendingFaultSteps == 0)
        #expect(try cloud.send(.telemetry, arguments: ["--max-time", "10"]).status == 204)
    }

    // MARK: - Throttling and outages

    @Test(arguments: [CloudRoute.telemetry, .register])
    func throttling_answers429WithRetryAfterThenTheRealAnswer(route: CloudRoute) throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.addFaults(.throttling(route, count: 2, retryAfterSeconds: 7))

        for _ in 0..<2 {
            let throttled = try cloud.send(route)
            #expect(throttled.status == 429)
            #expect(throttled.header("Retry-After") == "7")
            if route == .telemetry {
                #expect(throttled.header("iothub-errorcode") == "ThrottlingException")
                #expect(try throttled.hubErrorCode() == 429001)
            } else {
                #expect(throttled.header("x-ms-error-code") == "429001")
                #expect(try throttled.jsonObject()["errorCode"] as? Int == 429001)
            }
        }
        #expect(try cloud.send(route).status == successStatus(route))
        #expect(cloud.server.pendingFaultSteps == 0)
    }

    @Test func outage_answers503UntilTheWindowEndsThen204() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        // Long enough that a slow curl start on a loaded machine still lands inside it.
        let windowEnd = Date(timeIntervalSinceNow: 2)
        cloud.server.startOutage(seconds: 2)

        let during = try cloud.send(.telemetry)
        #expect(during.status == 503)
        #expect(during.header("iothub-errorcode") == "ServiceUnavailable")
        #expect(try during.hubErrorCode() == 503001)
        #expect(try during.jsonObject()["ExceptionMessage"] as? String == "")
        // DPS is not part of a hub outage.
        #expect(try cloud.send(.register).status == 202)

        Thread.sleep(until: windowEnd.addingTimeInterval(0.1))
        #expect(try cloud.send(.telemetry).status == 204)
        #expect(cloud.server.receivedTelemetry.count == 1)
    }

    @Test func outageOfAnotherHub_leavesThisHubAlone() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.startOutage(hubName: "other-hub", seconds: 60)

        #expect(try cloud.send(.telemetry).status == 204)
    }
}
