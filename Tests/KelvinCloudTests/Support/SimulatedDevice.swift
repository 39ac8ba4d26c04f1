import Foundation
import NIOCore
import NIOHTTP1

/// The device side of the DPS and hub protocol over ``MutualTLSTestClient``, as the agent runs it:
/// register, wait `Retry-After`, poll until assigned, then send telemetry to the assigned hub.
///
/// Each service gets one keep-alive connection, and the DPS connection is closed before the hub
/// connection opens, so a device never holds more than one socket.
struct SimulatedDevice: Sendable {
    let registrationID: String
    let client: MutualTLSTestClient
    let idScope: String
    let dpsPort: Int
    let messageCount: Int
    /// Operation-status polls allowed before "still assigning" counts as a failure.
    let maximumPolls: Int

    /// Runs the whole flow and reports what happened, including how far a failed flow got.
    func run() async -> DeviceRun {
        var run = DeviceRun(registrationID: registrationID)
        do throws(DeviceFlowFailure) {
            let assignment = try await provision(&run)
            run.assigned = true
            try await sendTelemetry(to: assignment, &run)
        } catch {
            run.failure = error
        }
        return run
    }

    private struct Assignment {
        var hubPort: Int
        var deviceID: String
    }

    private func provision(_ run: inout DeviceRun) async throws(DeviceFlowFailure) -> Assignment {
        let dps = try await attempt(.connectToDPS) { try await client.connect(port: dpsPort) }
        run.handshakes += 1
        do throws(DeviceFlowFailure) {
            let assignment = try await registerAndPoll(on: dps, &run)
            await dps.close()
            return assignment
        } catch {
            await dps.close()
            throw error
        }
    }

    private func registerAndPoll(
        on dps: MutualTLSTestConnection,
        _ run: inout DeviceRun
    ) async throws(DeviceFlowFailure) -> Assignment {
        let register = TestHTTPRequest(
            method: .PUT,
            target: "/\(idScope)/registrations/\(registrationID)/register?api-version=2021-06-01",
            headers: [("Content-Type", "application/json")],
            body: Array(#"{"registrationId":"\#(registrationID)"}"#.utf8)
        )
        let accepted = try await exchange(.register, register, on: dps, &run)
        guard accepted.status == 202, let operationID = try? accepted.jsonObject()["operationId"] as? String else {
            throw failure(.register, "expected 202 with an operationId, got \(accepted.status): \(accepted.bodyText)")
        }
        var retryAfter = try retryAfterSeconds(accepted, .register)

        let poll = TestHTTPRequest(
            method: .GET,
            target: "/\(idScope)/registrations/\(registrationID)/operations/\(operationID)?api-version=2021-06-01"
        )
        for _ in 0..<maximumPolls {
            try? await Task.sleep(for: .seconds(retryAfter))
            let status = try await exchange(.poll, poll, on: dps, &run)
            switch status.status {
            case 202:
                retryAfter = try retryAfterSeconds(status, .poll)
            case 200:
                return try assignment(in: status)
            default:
                throw failure(.poll, "status \(status.status): \(status.bodyText)")
            }
        }
        throw failure(.poll, "still assigning after \(maximumPolls) polls")
    }

    private func assignment(in response: TestHTTPResponse) throws(DeviceFlowFailure) -> Assignment {
        guard let object = try? response.jsonObject(), object["status"] as? String == "assigned",
            let state = object["registrationState"] as? [String: Any],
            let assignedHub = state["assignedHub"] as? String,
            let deviceID = state["deviceId"] as? String,
            let port = assignedHub.split(separator: ":").last.flatMap({ Int($0) })
        else {
            throw failure(.poll, "200 without an assigned hub host:port and device ID: \(response.bodyText)")
        }
        return Assignment(hubPort: port, deviceID: deviceID)
    }

    private func sendTelemetry(to assignment: Assignment, _ run: inout DeviceRun) async throws(DeviceFlowFailure) {
        let hub = try await attempt(.connectToHub) { try await client.connect(port: assignment.hubPort) }
        run.handshakes += 1
        do throws(DeviceFlowFailure) {
            for sequence in 0..<messageCount {
                let messageID = "\(registrationID)-\(sequence)"
                let message = TestHTTPRequest(
                    method: .POST,
                    target: "/devices/\(assignment.deviceID)/messages/events?api-version=2020-03-13",
                    headers: [
                        ("Content-Type", "application/json"),
                        ("iothub-contenttype", "application/json"),
                        ("iothub-contentencoding", "utf-8"),
                        ("iothub-messageid", messageID),
                    ],
                    body: Array(#"{"temperature": 21.5}"#.utf8)
                )
                let response = try await exchange(.sendTelemetry, message, on: hub, &run)
                guard response.status == 204 else {
                    throw failure(.sendTelemetry, "message \(messageID): status \(response.status): \(response.bodyText)")
                }
                run.sentMessageIDs.append(messageID)
            }
            await hub.close()
        } catch {
            await hub.close()
            throw error
        }
    }

    /// Sends one request and records how long the response took.
    private func exchange(
        _ step: DeviceFlowFailure.Step,
        _ request: TestHTTPRequest,
        on connection: MutualTLSTestConnection,
        _ run: inout DeviceRun
    ) async throws(DeviceFlowFailure) -> TestHTTPResponse {
        let clock = ContinuousClock()
        let start = clock.now
        let response = try await attempt(step) { try await connection.send(request) }
        run.requestLatencies.append(clock.now - start)
        return response
    }

    private func retryAfterSeconds(
        _ response: TestHTTPResponse,
        _ step: DeviceFlowFailure.Step
    ) throws(DeviceFlowFailure) -> Int {
        guard let text = response.headers.first(name: "Retry-After"), let seconds = Int(text), seconds >= 0 else {
            throw failure(step, "202 without a usable Retry-After")
        }
        return seconds
    }

    private func attempt<T>(
        _ step: DeviceFlowFailure.Step,
        _ body: () async throws -> T
    ) async throws(DeviceFlowFailure) -> T {
        do {
            return try await body()
        } catch {
            throw failure(step, String(describing: error))
        }
    }

    private func failure(_ step: DeviceFlowFailure.Step, _ detail: String) -> DeviceFlowFailure {
        DeviceFlowFailure(registrationID: registrationID, step: step, detail: detail)
    }
}

/// What one simulated device did.
struct DeviceRun: Sendable {
    var registrationID: String
    /// Whether DPS answered "assigned".
    var assigned = false
    /// Completed TLS handshakes (one per connection).
    var handshakes = 0
    /// Time from writing each request to receiving its whole response.
    var requestLatencies: [Duration] = []
    /// `iothub-messageid` of every message the hub answered 204.
    var sentMessageIDs: [String] = []
    /// Set when the flow stopped early.
    var failure: DeviceFlowFailure?
}

/// The device and step at which a flow stopped, and why.
struct DeviceFlowFailure: Error, CustomStringConvertible {
    enum Step: String, Sendable {
        case makeTLSContext = "make TLS context"
        case connectToDPS = "connect to DPS"
        case register
        case poll = "poll operation status"
        case connectToHub = "connect to hub"
        case sendTelemetry = "send telemetry"
    }

    var registrationID: String
    var step: Step
    var detail: String

    var description: String { "\(registrationID): \(step.rawValue): \(detail)" }
}
