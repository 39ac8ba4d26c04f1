import FleetSimulation
import Testing

/// Small fleets through the two scenarios, checked by the rules `make fleet` applies to a
/// thousand devices: the counts come from the real state machines, so the tests assert the
/// invariants, not figures.
@Suite struct FleetSimulatorTests {
    static func run(_ scenario: FleetScenario) -> FleetResult {
        var simulator = FleetSimulator(scenario: scenario)
        return simulator.run()
    }

    @Test func outage_everyReadingArrives_andNoLimitIsBroken() {
        let result = Self.run(FleetScenario(
            name: "outage", devices: 40, trouble: .outage(lengthMilliseconds: 600_000), durationMilliseconds: 1_800_000))
        #expect(result.problems == [])
        #expect(result.readingsTaken > 40 * 25)
        // Every reading is at the hub or still queued; some are both (stored, the answer not yet in).
        #expect(result.lost == 0)
        #expect(result.hub.readingsStored <= result.readingsTaken)
        #expect(result.hub.readingsStored + result.pendingAtEnd >= result.readingsTaken)
        // The hub came back: the readings of the outage were sent after it.
        #expect(result.tally.backlogClearedAt != nil)
    }

    @Test func failover_everyDeviceRegistersOnce_atTheNewHub() {
        let result = Self.run(FleetScenario(name: "failover", devices: 40, trouble: .hubFailover, durationMilliseconds: 900_000))
        #expect(result.problems == [])
        #expect(result.tally.reprovisioned == 40)
        #expect(result.dps.registrationsAdmitted == 40)
        #expect(result.hub.refusedUnknownDevice == 40)
    }

    @Test func failoverAgainstATightDPS_isThrottled_andBacksOffAsTold() {
        let result = Self.run(FleetScenario(
            name: "throttled", devices: 40, trouble: .hubFailover, durationMilliseconds: 1_800_000,
            registrationsPerMinute: 10))
        #expect(result.problems == [])
        #expect(result.dps.registrationsThrottled > 0)
        #expect(result.dps.peakRegistrationsAdmittedPerMinute <= 10)
        #expect(result.tally.reprovisioned == 40)
    }

    @Test func theSameSeed_givesTheSameRun() {
        let scenario = FleetScenario(name: "outage", devices: 10, trouble: .outage(lengthMilliseconds: 120_000), durationMilliseconds: 900_000)
        let first = Self.run(scenario)
        let second = Self.run(scenario)
        #expect(first.timeline.hubPerSecond == second.timeline.hubPerSecond)
        #expect(first.timeline.dpsPerSecond == second.timeline.dpsPerSecond)
    }
}
