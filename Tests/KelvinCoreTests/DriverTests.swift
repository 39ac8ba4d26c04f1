import Agent
import AzureIoT
import HTTP1
import Wire
import Testing

/// A transport that answers from a script and records what was sent.
struct ScriptedTransport: HTTPTransport {
    struct Failure: Error, CustomStringConvertible, Equatable {
        var description: String
        var transient: Bool
    }

    var script: [Result<HTTPResponse, Failure>]
    var sent: [String] = []

    mutating func send<Request: HTTPRequestSource>(host: String, port: UInt16, _ request: Request) throws(Failure) -> HTTPResponse {
        var target = ByteWriter(capacity: 1024)
        request.writeTarget(to: &target)
        sent.append("\(request.method) \(host):\(port)\(String(decoding: target.bytes, as: UTF8.self))")
        guard !script.isEmpty else { throw Failure(description: "script exhausted", transient: false) }
        return try script.removeFirst().get()
    }

    static func isTransient(_ failure: Failure) -> Bool { failure.transient }
}

@Suite struct ProvisioningDriverTests {
    let settings = ProvisioningSettings(
        endpoint: Endpoint(host: "dps.example", port: 443), idScope: "0ne1", registrationID: try! RegistrationID(commonName: "dev")
    )
    let refused = ScriptedTransport.Failure(description: "refused", transient: true)

    @Test func refusedThenAssigned_waitsAndRegistersAgain() throws {
        var transport = ScriptedTransport(script: [
            .failure(refused),
            .success(ProvisioningStateMachineTests.assigning),
            .success(ProvisioningStateMachineTests.assigned),
        ])
        let clock = ManualClock()
        var logged: [String] = []
        let (assignment, requests) = try ProvisioningDriver.provision(settings, transport: &transport, clock: clock, timeoutMilliseconds: 60_000) { logged.append($0) }
        #expect(assignment == ProvisioningStateMachineTests.hub)
        #expect(requests == 3)
        #expect(clock.sleeps == [2_000, 3_000])
        #expect(logged == ["refused; retrying"])
        #expect(transport.sent.map { $0.split(separator: "?")[0] } == [
            "put dps.example:443/0ne1/registrations/dev/register",
            "put dps.example:443/0ne1/registrations/dev/register",
            "get dps.example:443/0ne1/registrations/dev/operations/\(ProvisioningStateMachineTests.operationID)",
        ])
    }

    @Test func deadline_endsWithTheLastTransportProblem() {
        var transport = ScriptedTransport(script: Array(repeating: .failure(refused), count: 10))
        #expect {
            try ProvisioningDriver.provision(settings, transport: &transport, clock: ManualClock(), timeoutMilliseconds: 5_000) { _ in }
        } throws: { error in
            (error as? ProvisioningRunError<ScriptedTransport.Failure>)?.description == "could not register with DPS within 5 s: refused"
        }
    }

    @Test func permanentTransportFailure_stopsAtOnce() {
        var transport = ScriptedTransport(script: [.failure(.init(description: "untrusted", transient: false))])
        #expect {
            try ProvisioningDriver.provision(settings, transport: &transport, clock: ManualClock(), timeoutMilliseconds: 5_000) { _ in }
        } throws: { error in
            (error as? ProvisioningRunError<ScriptedTransport.Failure>)?.description == "untrusted"
        }
        #expect(transport.sent.count == 1)
    }
}

@Suite struct TelemetryDeliveryTests {
    let request = TelemetryChannel(assignment: ProvisioningStateMachineTests.hub, messageIDPrefix: "m")
        .message(Reading(temperature: .init(21_000), temperatureFractionDigits: 2, takenAtMilliseconds: 1_800_000_000_000, sequence: 1))
    let hub = ProvisioningStateMachineTests.hub.hub

    @Test func throttledThenServerErrorThenDelivered_honoursRetryAfterThenBacksOff() throws {
        var transport = ScriptedTransport(script: [
            .success(HTTPResponse(status: 429, headers: [HTTPHeader("Retry-After", "7")])),
            .success(HTTPResponse(status: 503)),
            .failure(.init(description: "reset", transient: true)),
            .success(HTTPResponse(status: 204)),
        ])
        let clock = ManualClock()
        try TelemetryDelivery.deliver(request, to: hub, transport: &transport, clock: clock) { _ in }
        #expect(clock.sleeps == [7_000, 2_000, 4_000])
        #expect(transport.sent.count == 4)
    }

    @Test func unknownIdentity_isNotRetried() {
        var transport = ScriptedTransport(script: [.success(HTTPResponse(status: 401))])
        #expect {
            try TelemetryDelivery.deliver(request, to: hub, transport: &transport, clock: ManualClock()) { _ in }
        } throws: { error in
            if case .identityRejected? = error as? DeliveryError<ScriptedTransport.Failure> { return true }
            return false
        }
        #expect(transport.sent.count == 1)
    }

    @Test func persistentOutage_givesUpAfterTheAttemptBound() {
        var transport = ScriptedTransport(script: Array(repeating: .success(HTTPResponse(status: 500)), count: 10))
        let clock = ManualClock()
        #expect {
            try TelemetryDelivery.deliver(request, to: hub, transport: &transport, clock: clock, policy: .init(maximumAttempts: 3)) { _ in }
        } throws: { error in
            (error as? DeliveryError<ScriptedTransport.Failure>)?.description == "gave up sending after 3 attempts: the hub answered HTTP 500"
        }
        #expect(clock.sleeps == [1_000, 2_000])
    }
}
