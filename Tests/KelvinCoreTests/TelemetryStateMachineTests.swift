import Agent
import AzureIoT
import HTTP1
import Sensors
import Testing
import Wire

/// The telemetry state machine on its own: the exact actions it asks for, turn by turn, with the
/// test playing the driver (reading the sensor at once, answering requests when it chooses).
@Suite struct TelemetryStateMachineTests {
    static let accepted = ProvisioningStateMachineTests.json(202, #"{"operationId":"op-1","status":"assigning"}"#, retryAfter: 3)

    /// The driver's side of a run: a clock the test moves, a sensor that always answers.
    struct Scenario {
        var machine: TelemetryStateMachine<SplitMix64>
        var now: Int64 = 0
        var wallClock: Int64 { 1_800_000_000_000 + now }

        init(count: Int = 0, interval: Int64 = 1_000, saved: SavedAssignment?, outbox: Outbox = Outbox(capacity: 100)) {
            var provisioning = UplinkTests.settings
            provisioning.retryPolicy = RetryPolicy(floorMilliseconds: 2_000, capMilliseconds: 2_000, maximumAttempts: 10)
            var settings = UplinkTests.machineSettings(count: count, interval: interval)
            settings.provisioning = provisioning
            machine = TelemetryStateMachine(settings: settings, saved: saved, outbox: outbox, messageIDPrefix: "dev-run", random: SplitMix64(seed: 7))
        }

        /// Carries out actions until the machine waits or stops; a request it sends stays in
        /// flight until the test answers it.
        mutating func turn(at time: Int64? = nil) -> [String] {
            if let time { now = time }
            var lines: [String] = []
            while true {
                let action = machine.nextAction(nowMilliseconds: now, wallClockMilliseconds: wallClock)
                lines.append(TelemetryStateMachineTests.describe(action, delivered: machine.deliveredReadings))
                switch action {
                case .takeReading(let sequence, let stamp):
                    machine.readingTaken(Reading(
                        temperature: Millidegrees(Int32(20_000 + sequence)), temperatureFractionDigits: 3,
                        takenAtMilliseconds: stamp, sequence: sequence
                    ))
                case .wait, .stop:
                    return lines
                case .send, .save, .report:
                    continue
                }
            }
        }

        mutating func answer(_ response: HTTPResponse, at time: Int64) {
            now = time
            machine.responseReceived(response, nowMilliseconds: now, wallClockMilliseconds: wallClock)
        }

        mutating func fail(_ problem: String, at time: Int64) {
            now = time
            machine.requestFailed(problem, transient: true, nowMilliseconds: now)
        }
    }

    static func describe(_ action: TelemetryStateMachine<SplitMix64>.Action, delivered: ArraySlice<Reading>) -> String {
        switch action {
        case .takeReading(let sequence, _): return "take \(sequence)"
        case .send(.provisioning(let request)): return "send \(request.method) \(request.endpoint.host)\(request.target.split(separator: "?")[0])"
        case .send(.message(let message)): return "send \(message.messageID) to \(message.hub.host)"
        case .send(.batch(let batch)): return "send batch of \(batch.count) to \(batch.hub.host)"
        case .save(let saved): return "save \(saved.assignment.hub.host)"
        case .report(.queued(let reading)): return "queued \(reading.sequence)"
        case .report(.usingSavedAssignment(let saved)): return "using \(saved.assignment.hub.host)"
        case .report(.provisioned(let saved, let requests, let again)): return "provisioned \(saved.assignment.hub.host) in \(requests)\(again ? " again" : "")"
        case .report(let event): return UplinkTests.describe(event, delivered: delivered) ?? "\(event)"
        case .wait(let until): return "wait \(until.map(String.init) ?? "for an event")"
        case .stop(let outcome): return "stop \(outcome)"
        }
    }

    @Test func firstBootWithDPSDown_samplesFromTheFirstSlot_andDeliversInOrderOnceAssigned() {
        var run = Scenario(saved: nil)
        #expect(run.turn() == ["send put dps.example/0ne1/registrations/dev/register", "take 1", "queued 1", "wait 1000"])
        run.fail("dps.example:443 refused the connection", at: 5)
        #expect(run.turn() == ["note dps.example:443 refused the connection", "wait 1000"])
        #expect(run.turn(at: 1_000) == ["take 2", "queued 2", "wait 2000"])
        #expect(run.turn(at: 2_000) == ["take 3", "queued 3", "wait 2005"])
        #expect(run.turn(at: 2_005) == ["send put dps.example/0ne1/registrations/dev/register", "wait 3000"])
        run.answer(UplinkTests.assigned(to: "hub-a.example"), at: 2_010)
        #expect(run.turn() == ["save hub-a.example", "provisioned hub-a.example in 2", "send batch of 3 to hub-a.example", "wait 3000"])
        run.answer(HTTPResponse(status: 204), at: 2_020)
        #expect(run.turn() == ["delivered 1,2,3 to hub-a.example (batch)", "wait 3000"])
        #expect(run.machine.outbox.isEmpty)
        #expect(run.machine.assignment?.assignment.hub == Endpoint(host: "hub-a.example"))
    }

    @Test func firstRegistrationPolled_keepsSamplingWhileDPSAssigns() {
        var run = Scenario(saved: nil)
        #expect(run.turn() == ["send put dps.example/0ne1/registrations/dev/register", "take 1", "queued 1", "wait 1000"])
        run.answer(Self.accepted, at: 10)
        #expect(run.turn() == ["wait 1000"])
        #expect(run.turn(at: 1_000) == ["take 2", "queued 2", "wait 2000"])
        #expect(run.turn(at: 2_000) == ["take 3", "queued 3", "wait 3000"])
        #expect(run.turn(at: 3_010) == ["take 4", "queued 4", "send get dps.example/0ne1/registrations/dev/operations/op-1", "wait 4000"])
        run.answer(UplinkTests.assigned(to: "hub-a.example"), at: 3_020)
        #expect(run.turn() == ["save hub-a.example", "provisioned hub-a.example in 2", "send batch of 4 to hub-a.example", "wait 4000"])
    }

    @Test func boundedRun_firstRegistrationRefused_stopsWithTheRefusal_keepingTheReadings() {
        var run = Scenario(count: 1, saved: nil)
        _ = run.turn()
        let refused = ProvisioningStateMachineTests.json(401, #"{"errorCode":401002,"trackingId":"t","message":"Invalid certificate."}"#)
        run.answer(refused, at: 10)
        let lines = run.turn()
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("stop provisioningFailed") == true)
        #expect(run.machine.outbox.count == 1)
    }

    @Test func outage_retriesTheSameReading_thenSendsTheBacklogAsOneBatch() {
        var run = Scenario(count: 3, saved: UplinkTests.savedA)
        #expect(run.turn() == ["using hub-a.example", "take 1", "queued 1", "send dev-run-1 to hub-a.example", "wait 1000"])
        run.fail("connection reset", at: 10)
        #expect(run.turn() == ["retry in 5000 with 1 pending", "wait 1000"])
        #expect(run.turn(at: 1_000) == ["take 2", "queued 2", "wait 2000"])
        #expect(run.turn(at: 2_000) == ["take 3", "queued 3", "wait 5010"])
        #expect(run.turn(at: 5_010) == ["send batch of 3 to hub-a.example", "wait for an event"])
        run.answer(HTTPResponse(status: 204), at: 5_020)
        #expect(run.turn() == ["delivered 1,2,3 to hub-a.example (batch)", "stop allDelivered"])
    }

    @Test func hubForgetsTheDevice_registersAgainAndResendsTheSameMessageToTheNewHub() {
        var run = Scenario(saved: UplinkTests.savedA)
        #expect(run.turn() == ["using hub-a.example", "take 1", "queued 1", "send dev-run-1 to hub-a.example", "wait 1000"])
        run.answer(UplinkTests.deviceDeleted, at: 10)
        #expect(run.turn() == ["rejected 401003", "send put dps.example/0ne1/registrations/dev/register", "wait 1000"])
        run.answer(UplinkTests.assigned(to: "hub-b.example"), at: 20)
        #expect(run.turn() == ["save hub-b.example", "provisioned hub-b.example in 1 again", "send dev-run-1 to hub-b.example", "wait 1000"])
    }

    @Test func reload_dropsTheRequestInFlight_keepsItsReading_andRegistersFirstWithoutAFittingAssignment() {
        var run = Scenario(saved: UplinkTests.savedA)
        #expect(run.turn() == ["using hub-a.example", "take 1", "queued 1", "send dev-run-1 to hub-a.example", "wait 1000"])
        var settings = UplinkTests.machineSettings(count: 0, interval: 30_000)
        settings.provisioning = UplinkTests.settings
        run.now = 400
        run.machine.reloaded(settings, saved: nil, nowMilliseconds: 400, wallClockMilliseconds: run.wallClock)
        #expect(run.turn() == ["reloaded without assignment", "send put dps.example/0ne1/registrations/dev/register", "wait 1000"])
        run.answer(UplinkTests.assigned(to: "hub-b.example"), at: 500)
        #expect(run.turn() == ["save hub-b.example", "provisioned hub-b.example in 1 again", "send dev-run-1 to hub-b.example", "wait 1000"])
        run.answer(HTTPResponse(status: 204), at: 600)
        // The new interval applies from the next reading: the one due at 1 s stays, then every 30 s.
        #expect(run.turn() == ["delivered 1 to hub-b.example", "wait 1000"])
        #expect(run.turn(at: 1_000) == ["take 2", "queued 2", "send dev-run-2 to hub-b.example", "wait 30000"])
    }

    @Test func stopDuringProvisioning_endsAtOnceWithTheReadingsQueued() {
        var run = Scenario(saved: nil)
        #expect(run.turn() == ["send put dps.example/0ne1/registrations/dev/register", "take 1", "queued 1", "wait 1000"])
        run.machine.terminationRequested()
        #expect(run.turn() == ["stop stopped(pending: 1)"])
        // Whatever arrives after the stop changes nothing.
        run.answer(UplinkTests.assigned(to: "hub-a.example"), at: 30)
        #expect(run.turn() == ["stop stopped(pending: 1)"])
    }

    @Test func alertEdge_takesAnExtraReading_withoutMovingTheSchedule() {
        var run = Scenario(interval: 10_000, saved: UplinkTests.savedA)
        #expect(run.turn() == ["using hub-a.example", "take 1", "queued 1", "send dev-run-1 to hub-a.example", "wait 10000"])
        run.answer(HTTPResponse(status: 204), at: 10)
        #expect(run.turn() == ["delivered 1 to hub-a.example", "wait 10000"])
        run.now = 3_000
        run.machine.alertRaised()
        #expect(run.turn() == ["take 2", "queued 2", "send dev-run-2 to hub-a.example", "wait 10000"])
    }

    @Test func fullSpool_theOldestGivesWay_evenWhenItIsInFlight() {
        // A spool bound that holds two readings: the third pushes out the first.
        final class TwoReadingSpool {
            var held = 0
        }
        let spool = TwoReadingSpool()
        let journal = OutboxJournal(
            appended: { _ in
                spool.held += 1
                guard spool.held > 2 else { return 0 }
                spool.held -= 1
                return 1
            },
            removedOldest: { spool.held -= $0 }
        )
        var run = Scenario(saved: UplinkTests.savedA, outbox: Outbox(capacity: 100, journal: journal, restoring: []))
        #expect(run.turn() == ["using hub-a.example", "take 1", "queued 1", "send dev-run-1 to hub-a.example", "wait 1000"])
        #expect(run.turn(at: 1_000) == ["take 2", "queued 2", "wait 2000"])
        #expect(run.turn(at: 2_000) == ["take 3", "queued 3", "displaced 1", "wait 3000"])
        // The answer for reading 1 comes after it gave way: nothing else leaves the queue.
        run.answer(HTTPResponse(status: 204), at: 2_500)
        #expect(run.turn() == ["send batch of 2 to hub-a.example", "wait 3000"])
        #expect(run.machine.outbox.pending.map(\.sequence) == [2, 3])
    }

    static let wrongAPIVersion = HTTPResponse(
        status: 400, headers: [HTTPHeader("iothub-errorcode", "InvalidProtocolVersion")],
        body: Array(#"{"Message":"{\"errorCode\":400001,\"message\":\"the api-version 2019-01-01 is not supported\"}","ExceptionMessage":""}"#.utf8)
    )
    static let badReading = HTTPResponse(
        status: 400, body: Array(#"{"Message":"{\"errorCode\":400006,\"message\":\"bad body\"}","ExceptionMessage":""}"#.utf8)
    )

    @Test func runWithoutACount_firstRegistrationRefused_keepsSampling_andAsksDPSAgainAfterTheInterval() {
        var run = Scenario(saved: nil)
        #expect(run.turn() == ["send put dps.example/0ne1/registrations/dev/register", "take 1", "queued 1", "wait 1000"])
        let refused = ProvisioningStateMachineTests.json(401, #"{"errorCode":401002,"trackingId":"t","message":"Invalid certificate."}"#)
        run.answer(refused, at: 10)
        let lines = run.turn()
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("provisioning failed, again in ") == true)
        // Within the re-provisioning interval (60 s, plus up to a quarter of it): sampling goes on.
        #expect(run.turn(at: 1_000) == ["take 2", "queued 2", "wait 2000"])
        let retry = Int64(lines[0].split(separator: " ").last.map(String.init) ?? "") ?? 0
        #expect((60_000...75_000).contains(retry))
        let at = 10 + retry
        #expect(run.turn(at: at).contains("send put dps.example/0ne1/registrations/dev/register"))
        // Nothing taken meanwhile was lost.
        #expect(run.machine.outbox.count == run.machine.slotsTaken)
    }

    @Test func runWithoutACount_untrustedHub_backsOffAndKeepsTrying_whileABoundedRunStops() {
        var run = Scenario(saved: UplinkTests.savedA)
        _ = run.turn()
        run.now = 10
        run.machine.requestFailed("the server certificate of hub-a.example is not trusted", transient: false, nowMilliseconds: 10)
        #expect(run.turn() == ["retry in 5000 with 1 pending", "wait 1000"])
        #expect(run.turn(at: 5_010) == ["take 2", "queued 2", "send batch of 2 to hub-a.example", "wait 6000"])

        var bounded = Scenario(count: 1, saved: UplinkTests.savedA)
        _ = bounded.turn()
        bounded.now = 10
        bounded.machine.requestFailed("the server certificate of hub-a.example is not trusted", transient: false, nowMilliseconds: 10)
        #expect(bounded.turn() == ["stop transportFailed(pending: 1)"])
    }

    @Test func theSameRefusalForTwoReadings_isTheConfiguration_soNothingIsDropped() {
        var run = Scenario(saved: UplinkTests.savedA)
        #expect(run.turn() == ["using hub-a.example", "take 1", "queued 1", "send dev-run-1 to hub-a.example", "wait 1000"])
        run.answer(Self.wrongAPIVersion, at: 10)
        // With one reading there is nothing to compare it with: the next one is waited for.
        #expect(run.turn() == ["testing 1 400", "wait 1000"])
        #expect(run.turn(at: 1_000) == ["take 2", "queued 2", "send dev-run-2 to hub-a.example", "wait 2000"])
        run.answer(Self.wrongAPIVersion, at: 1_010)
        #expect(run.turn() == ["refused alike 400, 2 kept, again in 5000", "wait 2000"])
        #expect(run.machine.outbox.pending.map(\.sequence) == [1, 2])
        // Later readings are refused alike too, and kept.
        #expect(run.turn(at: 2_000) == ["take 3", "queued 3", "wait 3000"])
        #expect(run.turn(at: 6_010) == ["take 4", "queued 4", "send batch of 4 to hub-a.example", "wait 7000"])
        run.answer(Self.wrongAPIVersion, at: 6_020)
        #expect(run.turn() == ["batch of 4 refused 400", "send dev-run-1 to hub-a.example", "wait 7000"])
        run.answer(Self.wrongAPIVersion, at: 6_030)
        #expect(run.turn() == ["refused alike 400, 4 kept, again in 5000", "wait 7000"])
        #expect(run.machine.outbox.pending.map(\.sequence) == [1, 2, 3, 4])
    }

    @Test func aRefusalOnlyOneReadingGets_dropsIt_onceTheNextIsAccepted() {
        var run = Scenario(saved: UplinkTests.savedA)
        _ = run.turn()
        run.answer(Self.badReading, at: 10)
        #expect(run.turn() == ["testing 1 400", "wait 1000"])
        #expect(run.turn(at: 1_000) == ["take 2", "queued 2", "send dev-run-2 to hub-a.example", "wait 2000"])
        run.answer(HTTPResponse(status: 204), at: 1_010)
        #expect(run.turn() == ["dropped 1 400", "delivered 2 to hub-a.example", "wait 2000"])
        #expect(run.machine.outbox.isEmpty)
    }

    @Test func tooLarge_isTheReadingsOwn_andDroppedAtOnce() {
        var run = Scenario(saved: UplinkTests.savedA)
        _ = run.turn()
        run.answer(HTTPResponse(status: 413), at: 10)
        #expect(run.turn() == ["dropped 1 413", "wait 1000"])
    }

    @Test func hubUnreachableForTheThreshold_asksDPSOnce_andFollowsTheHubItNames() {
        var settings = UplinkTests.machineSettings(count: 0, interval: 60_000)
        settings.hubFailuresBeforeReprovisioning = 3
        var run = Scenario(interval: 60_000, saved: UplinkTests.savedA)
        run.machine = TelemetryStateMachine(settings: settings, saved: UplinkTests.savedA, outbox: Outbox(capacity: 100), messageIDPrefix: "dev-run", random: SplitMix64(seed: 7))
        #expect(run.turn() == ["using hub-a.example", "take 1", "queued 1", "send dev-run-1 to hub-a.example", "wait 60000"])
        run.fail("hub-a.example:443 refused the connection", at: 10)
        #expect(run.turn() == ["retry in 5000 with 1 pending", "wait 5010"])
        #expect(run.turn(at: 5_010) == ["send dev-run-1 to hub-a.example", "wait 60000"])
        run.fail("hub-a.example:443 refused the connection", at: 5_020)
        #expect(run.turn() == ["retry in 5000 with 1 pending", "wait 10020"])
        #expect(run.turn(at: 10_020) == ["send dev-run-1 to hub-a.example", "wait 60000"])
        run.fail("hub-a.example:443 refused the connection", at: 10_030)
        #expect(run.turn() == ["kept 1 for 30000", "wait 40030"])
        #expect(run.turn(at: 40_030) == ["hub unreachable after 3", "send put dps.example/0ne1/registrations/dev/register", "wait 60000"])
        run.answer(UplinkTests.assigned(to: "hub-b.example"), at: 40_040)
        #expect(run.turn() == ["save hub-b.example", "provisioned hub-b.example in 1 again", "send dev-run-1 to hub-b.example", "wait 60000"])
    }

    @Test func askingDPSForAnUnreachableHubFails_theHubItHadStaysInUse() {
        var settings = UplinkTests.machineSettings(count: 0, interval: 60_000)
        settings.hubFailuresBeforeReprovisioning = 1
        var run = Scenario(interval: 60_000, saved: UplinkTests.savedA)
        run.machine = TelemetryStateMachine(settings: settings, saved: UplinkTests.savedA, outbox: Outbox(capacity: 100), messageIDPrefix: "dev-run", random: SplitMix64(seed: 7))
        _ = run.turn()
        run.fail("hub-a.example:443 refused the connection", at: 10)
        #expect(run.turn() == ["retry in 5000 with 1 pending", "wait 5010"])
        #expect(run.turn(at: 5_010) == ["hub unreachable after 1", "send put dps.example/0ne1/registrations/dev/register", "wait 60000"])
        let refused = ProvisioningStateMachineTests.json(401, #"{"errorCode":401002,"trackingId":"t","message":"Invalid certificate."}"#)
        run.answer(refused, at: 5_020)
        let lines = run.turn()
        #expect(lines.first?.hasPrefix("reprovisioning failed, again in ") == true)
        #expect(lines.dropFirst().first == "send dev-run-1 to hub-a.example")
        #expect(run.machine.assignment?.assignment.hub == Endpoint(host: "hub-a.example"))
    }

    @Test func provisionOnly_takesNoReading_andStopsOnceAssigned() {
        var run = Scenario(saved: nil)
        var settings = UplinkTests.machineSettings(count: 0, interval: 1_000)
        settings.provisionOnly = true
        run.machine = TelemetryStateMachine(settings: settings, saved: nil, outbox: Outbox(capacity: 1), messageIDPrefix: "", random: SplitMix64(seed: 7))
        #expect(run.turn() == ["send put dps.example/0ne1/registrations/dev/register", "wait for an event"])
        run.answer(UplinkTests.assigned(to: "hub-a.example"), at: 10)
        #expect(run.turn() == ["save hub-a.example", "provisioned hub-a.example in 1", "stop allDelivered"])

        var saved = Scenario(saved: UplinkTests.savedA)
        saved.machine = TelemetryStateMachine(settings: settings, saved: UplinkTests.savedA, outbox: Outbox(capacity: 1), messageIDPrefix: "", random: SplitMix64(seed: 7))
        #expect(saved.turn() == ["using hub-a.example", "stop allDelivered"])
    }
}
