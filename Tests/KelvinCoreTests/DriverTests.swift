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
    /// `iothub-messageid` of each single message sent.
    var messageIDs: [String] = []
    /// `Content-Type` of each request, "" when it had none.
    var contentTypes: [String] = []

    mutating func send<Request: HTTPRequestSource>(host: String, port: UInt16, _ request: Request) throws(Failure) -> HTTPResponse {
        var target = ByteWriter(capacity: 1024)
        request.writeTarget(to: &target)
        sent.append("\(request.method) \(host):\(port)\(String(decoding: target.bytes, as: UTF8.self))")
        var head = ByteWriter(capacity: 8192)
        try? request.writeHeaderLines(to: &head)
        var contentType = ""
        for line in String(decoding: head.bytes, as: UTF8.self).split(separator: "\r\n") {
            if line.hasPrefix("iothub-messageid: ") { messageIDs.append(String(line.dropFirst("iothub-messageid: ".count))) }
            if line.hasPrefix("Content-Type: ") { contentType = String(line.dropFirst("Content-Type: ".count)) }
        }
        contentTypes.append(contentType)
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
        let (assignment, requests) = try ProvisioningDriver.provision(settings, transport: &transport, clock: clock, random: SplitMix64(seed: 1), timeoutMilliseconds: 60_000) { logged.append($0) }
        #expect(assignment == ProvisioningStateMachineTests.hub)
        #expect(requests == 3)
        // The refusal waits a jittered 2–4 s (3,133 ms with this seed), the poll DPS's Retry-After.
        #expect(clock.sleeps == [3_133, 3_000])
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
            try ProvisioningDriver.provision(settings, transport: &transport, clock: ManualClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 5_000) { _ in }
        } throws: { error in
            (error as? ProvisioningRunError<ScriptedTransport.Failure>)?.description == "could not register with DPS within 5 s: refused"
        }
    }

    @Test func permanentTransportFailure_stopsAtOnce() {
        var transport = ScriptedTransport(script: [.failure(.init(description: "untrusted", transient: false))])
        #expect {
            try ProvisioningDriver.provision(settings, transport: &transport, clock: ManualClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 5_000) { _ in }
        } throws: { error in
            (error as? ProvisioningRunError<ScriptedTransport.Failure>)?.description == "untrusted"
        }
        #expect(transport.sent.count == 1)
    }
}

/// `kelvin send`'s way: one reading to a fixed hub, paced by delivery, through the same state
/// machine and retry policy as a run.
@Suite struct FixedHubDeliveryTests {
    let fixed = SavedAssignment(assignment: ProvisioningStateMachineTests.hub, assignedAtSeconds: 0, key: UplinkTests.key)
    /// Floor and cap equal: an exact schedule.
    let exact = RetryPolicy(floorMilliseconds: 2_000, capMilliseconds: 2_000, maximumAttempts: 5)

    func deliverOne(_ script: [Result<HTTPResponse, ScriptedTransport.Failure>], policy: RetryPolicy, clock: ManualClock)
        -> (TelemetryOutcome, events: [String], sent: Int) {
        var machine = TelemetryStateMachine(
            settings: .init(count: 1, intervalMilliseconds: 0, provisioning: nil, assignmentKey: nil, retryPolicy: policy,
                            pauseAfterGivingUpMilliseconds: 0, pacedByDelivery: true),
            saved: fixed, outbox: Outbox(capacity: 1), messageIDPrefix: "m", random: SplitMix64(seed: 5)
        )
        var transport = ScriptedTransport(script: script)
        var source = UplinkTests.Counter()
        var events: [String] = []
        let (outcome, _) = TelemetryLoop.run(&machine, source: &source, transport: &transport, clock: clock) { event, delivered in
            if let line = UplinkTests.describe(event, delivered: delivered) { events.append(line) }
        }
        return (outcome, events, transport.sent.count)
    }

    @Test func throttledThenServerErrorThenDelivered_honoursRetryAfterThenBacksOff() {
        let clock = ManualClock()
        let (outcome, events, sent) = deliverOne([
            .success(HTTPResponse(status: 429, headers: [HTTPHeader("Retry-After", "7")])),
            .success(HTTPResponse(status: 503)),
            .failure(.init(description: "reset", transient: true)),
            .success(HTTPResponse(status: 204)),
        ], policy: exact, clock: clock)
        #expect(outcome == .allDelivered)
        // The 503 waits Azure's 5 s for server errors (docs/azure-facts.md §6); the reset, the floor.
        #expect(clock.sleeps == [7_000, 5_000, 2_000])
        #expect(sent == 4)
        #expect(events.last == "delivered 1 to MyExampleHub.azure-devices.net")
    }

    @Test func unknownIdentity_withoutDPS_isNotRetried() {
        let (outcome, events, sent) = deliverOne([.success(HTTPResponse(status: 401))], policy: exact, clock: ManualClock())
        #expect(outcome == .undelivered(pending: 1))
        #expect(events == ["kept 1 for 0"])
        #expect(sent == 1)
    }

    @Test func persistentOutage_givesUpAfterTheAttemptBound() {
        let clock = ManualClock()
        let (outcome, events, sent) = deliverOne(
            Array(repeating: .success(HTTPResponse(status: 500)), count: 10),
            policy: RetryPolicy(floorMilliseconds: 1_000, capMilliseconds: 1_000, maximumAttempts: 3), clock: clock
        )
        #expect(outcome == .undelivered(pending: 1))
        // A 5xx waits at least 5 s whatever the policy's floor and cap (docs/azure-facts.md §6).
        #expect(events == ["retry in 5000 with 1 pending", "retry in 5000 with 1 pending", "kept 1 for 0"])
        #expect(clock.sleeps == [5_000, 5_000])
        #expect(sent == 3)
    }
}
