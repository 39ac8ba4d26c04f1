import Agent
import AzureIoT
import HTTP1
import Testing
import Wire

/// The device loop end to end over a scripted network: provision once, deliver, batch a
/// backlog, drop only what the hub refuses for good, re-provision when the hub rejects the device.
@Suite struct UplinkTests {
    static let settings = ProvisioningSettings(
        endpoint: Endpoint(host: "dps.example"), idScope: "0ne1", registrationID: try! RegistrationID(commonName: "dev")
    )
    static let thumbprint = String(repeating: "ab", count: 32)
    static let hubA = Assignment(hub: Endpoint(host: "hub-a.example"), deviceID: "dev", substatus: "initialAssignment")
    static let key = AssignmentKey(dpsEndpoint: "dps.example", idScope: "0ne1", registrationID: "dev", certificateSHA256: thumbprint)
    static let savedA = SavedAssignment(assignment: hubA, assignedAtSeconds: 1_700_000_000, key: key)
    /// Floor and cap equal, so the jittered schedule is exact.
    static let fixedRetries = RetryPolicy(floorMilliseconds: 5_000, capMilliseconds: 5_000, maximumAttempts: 3)

    static func assigned(to hub: String, substatus: String = "deviceDataMigrated") -> HTTPResponse {
        ProvisioningStateMachineTests.json(200, #"{"operationId":"op","status":"assigned","registrationState":{"assignedHub":"\#(hub)","deviceId":"dev","substatus":"\#(substatus)"}}"#)
    }

    static let deviceDeleted = HTTPResponse(
        status: 401,
        headers: [HTTPHeader("iothub-errorcode", "IotHubUnauthorized")],
        body: Array(#"{"Message":"{\"errorCode\":401003,\"message\":\"IotHub 'hub-a' does not contain the specified device 'dev'\"}","ExceptionMessage":""}"#.utf8)
    )

    struct Counter: ReadingSource {
        mutating func read(sequence: Int, takenAtMilliseconds: Int64) -> Reading? {
            Reading(temperature: Millidegrees(Int32(20_000 + sequence * 10)), temperatureFractionDigits: 2, humidity: nil, pressure: nil,
                    takenAtMilliseconds: takenAtMilliseconds, sequence: sequence)
        }
    }

    /// One bounded run of the telemetry state machine over a scripted network, on a manual clock,
    /// recording the events as short lines.
    struct Run {
        var transport: ScriptedTransport
        var store: MemoryAssignmentStore
        var machine: TelemetryStateMachine<SplitMix64>
        let clock = ManualClock()
        var events: [String] = []
        let policy: RetryPolicy
        let reprovisionInterval: Int64
        let backlog: Int

        init(script: [Result<HTTPResponse, ScriptedTransport.Failure>], saved: SavedAssignment? = UplinkTests.savedA,
             policy: RetryPolicy = UplinkTests.fixedRetries, reprovisionInterval: Int64 = 60_000, backlog: Int = 100) {
            transport = ScriptedTransport(script: script)
            store = MemoryAssignmentStore(saved: saved)
            self.policy = policy
            self.reprovisionInterval = reprovisionInterval
            self.backlog = backlog
            machine = TelemetryStateMachine(
                settings: UplinkTests.machineSettings(count: 0, interval: 1_000, policy: policy, reprovisionInterval: reprovisionInterval),
                saved: nil, outbox: Outbox(capacity: backlog), messageIDPrefix: "dev-run", random: SplitMix64(seed: 7)
            )
        }

        /// A fresh machine for `count` readings every `interval`, starting from the store's
        /// assignment when it is valid for this device (as the runtime does at start).
        mutating func start(count: Int, interval: Int64 = 1_000) {
            var keeper = AssignmentKeeper(settings: UplinkTests.settings, certificateSHA256: UplinkTests.thumbprint, store: store,
                                          timeoutMilliseconds: 60_000)
            var notes: [String] = []
            let saved = keeper.savedAssignment { notes.append($0) }
            events += notes
            machine = TelemetryStateMachine(
                settings: UplinkTests.machineSettings(count: count, interval: interval, policy: policy, reprovisionInterval: reprovisionInterval),
                saved: saved, outbox: Outbox(capacity: backlog), messageIDPrefix: "dev-run", random: SplitMix64(seed: 7)
            )
        }

        mutating func go(count: Int, interval: Int64 = 1_000) throws -> TelemetryOutcome {
            start(count: count, interval: interval)
            var source = Counter()
            return try drive(source: &source, clock: clock)
        }

        /// Runs the machine as it is until it stops.
        mutating func drive<Source: ReadingSource, Clock: AgentClock>(
            source: inout Source, clock: Clock, readingRequested: () -> Bool = { false }
        ) throws -> TelemetryOutcome {
            var recorded: [String] = []
            var store = self.store
            let (outcome, failure) = TelemetryLoop.run(
                &machine, source: &source, transport: &transport, clock: clock, readingRequested: readingRequested,
                save: { store.save($0) { _ in } }
            ) { event, delivered in
                if let line = UplinkTests.describe(event, delivered: delivered) { recorded.append(line) }
            }
            self.store = store
            events += recorded
            if let failure { throw failure }
            return outcome
        }
    }

    static func machineSettings(count: Int, interval: Int64, policy: RetryPolicy = fixedRetries, reprovisionInterval: Int64 = 60_000)
        -> TelemetryStateMachine<SplitMix64>.Settings {
        TelemetryStateMachine<SplitMix64>.Settings(
            count: count, intervalMilliseconds: interval, provisioning: settings, assignmentKey: key, provisioningTimeoutMilliseconds: 60_000,
            retryPolicy: policy, reprovisionIntervalMilliseconds: reprovisionInterval, pauseAfterGivingUpMilliseconds: 30_000
        )
    }

    /// A short line per event; nil for the ones every run has (a reading queued, the saved
    /// assignment used at start, the first registration).
    static func describe(_ event: TelemetryEvent, delivered: ArraySlice<Reading> = []) -> String? {
        switch event {
        case .delivered(_, let hub, let batched):
            return "delivered \(delivered.map { String($0.sequence) }.joined(separator: ",")) to \(hub)\(batched ? " (batch)" : "")"
        case .retrying(_, let delay, let pending): return "retry in \(delay) with \(pending) pending"
        case .keptForLater(_, let pending, let retry): return "kept \(pending) for \(retry)"
        case .batchRefused(let failure, let readings): return "batch of \(readings) refused \(failure.httpStatus)"
        case .dropped(let reading, let failure): return "dropped \(reading.sequence) \(failure.httpStatus)"
        case .sensorFailed(let error): return "sensor failed: \(error)"
        case .displaced(let reading): return "displaced \(reading.sequence)"
        case .identityRejected(let failure): return "rejected \(failure.errorCode.map(String.init) ?? "-")"
        case .reprovisioningDeferred(let delay): return "deferred \(delay)"
        case .provisioned(let saved, let requests, true): return "reprovisioned to \(saved.assignment.hub) in \(requests)"
        case .provisioningRequestFailed(let problem): return "note \(problem)"
        case .provisioningFailed(_, let again, let retry): return "\(again ? "reprovisioning" : "provisioning") failed, again in \(retry)"
        case .hubUnreachable(let failures): return "hub unreachable after \(failures)"
        case .refusalUnderTest(let reading, let failure): return "testing \(reading.sequence) \(failure.httpStatus)"
        case .refusedAlike(let failure, let pending, let retry): return "refused alike \(failure.httpStatus), \(pending) kept, again in \(retry)"
        case .clockUnset(let wallClock): return "clock unset at \(wallClock)"
        case .clockSet(_, let restamped): return "clock set, \(restamped) restamped"
        case .reloaded(let kept): return "reloaded \(kept == nil ? "without" : "with") assignment"
        case .queued, .usingSavedAssignment, .provisioned: return nil
        }
    }

    @Test func validSavedAssignment_sendsWithoutAskingDPS() throws {
        var run = Run(script: [.success(HTTPResponse(status: 204)), .success(HTTPResponse(status: 204))])
        #expect(try run.go(count: 2) == .allDelivered)
        #expect(run.transport.sent.map { $0.split(separator: "?")[0] } == [
            "post hub-a.example:443/devices/dev/messages/events", "post hub-a.example:443/devices/dev/messages/events",
        ])
        #expect(run.events == ["delivered 1 to hub-a.example", "delivered 2 to hub-a.example"])
        #expect(run.clock.sleeps == [1_000])
        #expect(run.transport.messageIDs == ["dev-run-1", "dev-run-2"])
    }

    @Test func savedAssignmentForAnotherCertificate_provisionsAgainAndSavesTheNewOne() throws {
        var other = Self.savedA
        other.key.certificateSHA256 = String(repeating: "cd", count: 32)
        var run = Run(script: [.success(Self.assigned(to: "hub-b.example", substatus: "initialAssignment")), .success(HTTPResponse(status: 204))], saved: other)
        #expect(try run.go(count: 1) == .allDelivered)
        #expect(run.transport.sent.map { $0.split(separator: "?")[0] } == [
            "put dps.example:443/0ne1/registrations/dev/register", "post hub-b.example:443/devices/dev/messages/events",
        ])
        #expect(run.events.first?.hasPrefix("the saved assignment ") == true)
        #expect(run.store.saved?.assignment.hub == Endpoint(host: "hub-b.example"))
        #expect(run.store.saved?.key == Self.key)
        #expect(run.store.saved?.assignedAtSeconds == run.clock.wallClockSeconds)
    }

    /// A reload (SIGHUP) adopts the saved assignment without a request, or leaves the
    /// registration to the loop's first send, under the retry rules.
    @Test func afterAReload_aMatchingSavedAssignmentIsAdoptedWithoutARequest() throws {
        var run = Run(script: [.success(HTTPResponse(status: 204))], saved: nil)
        run.start(count: 1)
        run.machine.reloaded(Self.machineSettings(count: 1, interval: 1_000), saved: Self.savedA, nowMilliseconds: 0, wallClockMilliseconds: run.clock.wallClockMilliseconds)
        var source = Counter()
        #expect(try run.drive(source: &source, clock: run.clock) == .allDelivered)
        #expect(run.events == ["reloaded with assignment", "delivered 1 to hub-a.example"])
        #expect(run.transport.sent.map { $0.split(separator: "?")[0] } == ["post hub-a.example:443/devices/dev/messages/events"])
    }

    @Test func afterAReloadWithANewCertificate_theNextSendRegistersFirst() throws {
        var run = Run(script: [.success(Self.assigned(to: "hub-b.example", substatus: "initialAssignment")), .success(HTTPResponse(status: 204))])
        run.start(count: 1)
        run.machine.reloaded(Self.machineSettings(count: 1, interval: 1_000), saved: nil, nowMilliseconds: 0, wallClockMilliseconds: run.clock.wallClockMilliseconds)
        var source = Counter()
        #expect(try run.drive(source: &source, clock: run.clock) == .allDelivered)
        #expect(run.events == ["reloaded without assignment", "reprovisioned to hub-b.example in 1", "delivered 1 to hub-b.example"])
        #expect(run.machine.outbox.isEmpty)
    }

    @Test func deviceDeletedAtTheHub_reprovisionsAndResendsTheSameMessageToTheNewHub() throws {
        var run = Run(script: [.success(Self.deviceDeleted), .success(Self.assigned(to: "hub-b.example")), .success(HTTPResponse(status: 204))])
        #expect(try run.go(count: 1) == .allDelivered)
        #expect(run.events == ["rejected 401003", "reprovisioned to hub-b.example in 1", "delivered 1 to hub-b.example"])
        #expect(run.transport.messageIDs == ["dev-run-1", "dev-run-1"])
        #expect(run.store.saves == 1)
        #expect(run.machine.assignment?.assignment.substatus == "deviceDataMigrated")
    }

    @Test func hubKeepsRejecting_reprovisionsAtMostOncePerInterval() throws {
        var run = Run(script: [
            .success(Self.deviceDeleted), .success(Self.assigned(to: "hub-a.example")),
            .success(Self.deviceDeleted), .success(Self.assigned(to: "hub-b.example")),
            .success(HTTPResponse(status: 204)),
        ], reprovisionInterval: 60_000)
        #expect(try run.go(count: 1) == .undelivered(pending: 1))
        #expect(Array(run.events.prefix(3)) == ["rejected 401003", "reprovisioned to hub-a.example in 1", "rejected 401003"])
        // The interval, plus up to a quarter of it at random so that a fleet does not come back at once.
        let deferred = run.events.count == 4 ? Int64(run.events[3].split(separator: " ")[1]) : nil
        #expect(deferred.map { (60_000...75_000).contains($0) } == true)
        // A device that keeps sampling waits out the interval, then asks DPS again.
        var patient = Run(script: [
            .success(Self.deviceDeleted), .success(Self.assigned(to: "hub-a.example")),
            .success(Self.deviceDeleted), .success(Self.assigned(to: "hub-b.example")),
            .success(HTTPResponse(status: 204)), .success(HTTPResponse(status: 204)),
        ], reprovisionInterval: 60_000)
        #expect(try patient.go(count: 4, interval: 30_000) == .allDelivered)
        #expect(Array(patient.events.dropFirst(4)) == [
            "reprovisioned to hub-b.example in 1", "delivered 1,2,3 to hub-b.example (batch)", "delivered 4 to hub-b.example",
        ])
        #expect(patient.clock.nowMilliseconds == 90_000)
    }

    /// The older error shape has a name, not a number (docs/azure-facts.md §1).
    static let quotaExceededLegacy = HTTPResponse(
        status: 403,
        headers: [HTTPHeader("iothub-errorcode", "IotHubQuotaExceeded")],
        body: Array(#"{"Message":"ErrorCode:IotHubQuotaExceeded;Total number of messages on IotHub 'hub-a' exceeded the allocated quota","ExceptionMessage":"Tracking ID:651347e2-G:11"}"#.utf8)
    )

    @Test(arguments: [true, false])
    func dailyQuotaInTheLegacyShape_keepsTheReadingsAndNeverAsksDPS(withHeader: Bool) throws {
        let quota = withHeader ? Self.quotaExceededLegacy
            : HTTPResponse(status: 403, body: Self.quotaExceededLegacy.body)
        var run = Run(script: [.success(quota), .success(quota), .success(quota)])
        #expect(try run.go(count: 1) == .undelivered(pending: 1))
        #expect(run.events == ["retry in 5000 with 1 pending", "retry in 5000 with 1 pending", "kept 1 for 30000"])
        #expect(run.transport.sent.allSatisfy { $0.hasPrefix("post hub-a.example:443/devices/dev/messages/events") })
        #expect(run.transport.sent.count == 3)
        #expect(run.store.saves == 0)
    }

    @Test func dailyQuotaInTheLegacyShape_thenTheHubTakesItAgain() throws {
        var run = Run(script: [.success(Self.quotaExceededLegacy), .success(HTTPResponse(status: 204))])
        #expect(try run.go(count: 1) == .allDelivered)
        #expect(run.events == ["retry in 5000 with 1 pending", "delivered 1 to hub-a.example"])
        #expect(run.transport.messageIDs == ["dev-run-1", "dev-run-1"])
    }

    @Test func outage_queuesReadingsThenSendsTheBacklogAsOneBatchOldestFirst() throws {
        let reset = ScriptedTransport.Failure(description: "connection reset", transient: true)
        var run = Run(script: [.failure(reset), .success(HTTPResponse(status: 503)), .success(HTTPResponse(status: 204)), .success(HTTPResponse(status: 204))])
        #expect(try run.go(count: 12) == .allDelivered)
        #expect(Array(run.events.prefix(3)) == ["retry in 5000 with 1 pending", "retry in 5000 with 6 pending", "delivered 1,2,3,4,5,6,7,8,9,10,11 to hub-a.example (batch)"])
        #expect(run.events.last == "delivered 12 to hub-a.example")
        #expect(run.transport.contentTypes[2] == "application/vnd.microsoft.iothub.json")
    }

    @Test func throttled_waitsForRetryAfter() throws {
        var run = Run(script: [.success(HTTPResponse(status: 429, headers: [HTTPHeader("Retry-After", "9")])), .success(HTTPResponse(status: 204))],
                      policy: RetryPolicy(floorMilliseconds: 1_000, capMilliseconds: 1_000, maximumAttempts: 3))
        #expect(try run.go(count: 1) == .allDelivered)
        #expect(run.clock.sleeps == [9_000])
    }

    @Test func refusedMessage_isDroppedAloneAndTheRestGoOn() throws {
        let badRequest = HTTPResponse(status: 400, body: Array(#"{"Message":"{\"errorCode\":400006,\"message\":\"bad\"}","ExceptionMessage":""}"#.utf8))
        var run = Run(script: [.success(badRequest), .success(HTTPResponse(status: 204))])
        #expect(try run.go(count: 2) == .allDelivered)
        // The next reading is tried first; once it is accepted, the refusal was reading 1's own.
        #expect(run.events == ["testing 1 400", "dropped 1 400", "delivered 2 to hub-a.example"])
    }

    @Test func refusedBatch_isResentOneByOneSoOnlyTheBadReadingIsDropped() throws {
        let reset = ScriptedTransport.Failure(description: "reset", transient: true)
        let badRequest = HTTPResponse(status: 400)
        var run = Run(script: [
            .failure(reset),                                 // reading 1 waits 5 s; readings 2–6 join it
            .success(badRequest),                            // the batch of 6 is refused
            .success(HTTPResponse(status: 204)), .success(badRequest),
            .success(HTTPResponse(status: 204)), .success(HTTPResponse(status: 204)),
            .success(HTTPResponse(status: 204)), .success(HTTPResponse(status: 204)),
        ])
        #expect(try run.go(count: 6) == .allDelivered)
        #expect(run.events == [
            "retry in 5000 with 1 pending", "batch of 6 refused 400",
            "delivered 1 to hub-a.example", "testing 2 400", "dropped 2 400", "delivered 3 to hub-a.example",
            "delivered 4 to hub-a.example", "delivered 5 to hub-a.example", "delivered 6 to hub-a.example",
        ])
    }

    @Test func hubDownForTheWholeRun_keepsTheReadingsAndSaysSo() throws {
        let down = Array(repeating: Result<HTTPResponse, ScriptedTransport.Failure>.success(HTTPResponse(status: 503)), count: 3)
        var run = Run(script: down)
        #expect(try run.go(count: 1) == .undelivered(pending: 1))
        #expect(run.events == ["retry in 5000 with 1 pending", "retry in 5000 with 1 pending", "kept 1 for 30000"])
        #expect(run.machine.outbox.count == 1)
    }

    @Test func fullBacklog_letsTheOldestGiveWay() throws {
        let reset = ScriptedTransport.Failure(description: "reset", transient: true)
        var run = Run(script: [.failure(reset), .success(HTTPResponse(status: 204))], backlog: 3)
        #expect(try run.go(count: 6) == .allDelivered)
        #expect(run.events == [
            "retry in 5000 with 1 pending", "displaced 1", "displaced 2", "displaced 3", "delivered 4,5,6 to hub-a.example (batch)",
        ])
        #expect(run.machine.outbox.overflowed == 3)
    }

    @Test func untrustedHub_endsTheRunWithTheTransportFailure() {
        var run = Run(script: [.failure(.init(description: "untrusted", transient: false))])
        #expect(throws: ScriptedTransport.Failure(description: "untrusted", transient: false)) { try run.go(count: 1) }
    }
}
