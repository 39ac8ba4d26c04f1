import Agent
import AzureIoT
import HTTP1
import Testing
import Wire

/// Readings on the wall clock's boundaries, and readings taken before the clock is set.
@Suite struct ReadingScheduleTests {
    static let set: Int64 = 1_800_000_000_000

    @Test func withTheClockSet_readingsFallOnMultiplesOfTheInterval() {
        // 7 s past a minute boundary, interval 60 s: the next reading at the boundary, 53 s on.
        #expect(ReadingSchedule.next(dueAt: 100, startedAt: 100, wallClockMilliseconds: Self.set + 7_000, intervalMilliseconds: 60_000) == 100 + 53_000)
    }

    @Test func aBoundaryLessThanHalfAnIntervalAway_isSkipped_soNoTwoReadingsCrowd() {
        // 40 s past: the next boundary is 20 s away, less than half of 60 s — the one after.
        #expect(ReadingSchedule.next(dueAt: 0, startedAt: 0, wallClockMilliseconds: Self.set + 40_000, intervalMilliseconds: 60_000) == 80_000)
        // Exactly half: taken.
        #expect(ReadingSchedule.next(dueAt: 0, startedAt: 0, wallClockMilliseconds: Self.set + 30_000, intervalMilliseconds: 60_000) == 30_000)
    }

    @Test func aReadingOnItsBoundary_isFollowedOneIntervalLater() {
        #expect(ReadingSchedule.next(dueAt: 5, startedAt: 5, wallClockMilliseconds: Self.set, intervalMilliseconds: 10_000) == 10_005)
        // A few milliseconds late (the loop woke late): still the very next boundary.
        #expect(ReadingSchedule.next(dueAt: 5, startedAt: 9, wallClockMilliseconds: Self.set + 4, intervalMilliseconds: 10_000) == 10_005)
    }

    @Test func withoutASetClock_theNextIsOneIntervalAfterTheLastWasDue() {
        #expect(ReadingSchedule.next(dueAt: 1_000, startedAt: 1_040, wallClockMilliseconds: 1_040, intervalMilliseconds: 10_000) == 11_000)
        // Blocked past it (a re-registration): missed readings are skipped, not made up.
        #expect(ReadingSchedule.next(dueAt: 1_000, startedAt: 30_000, wallClockMilliseconds: 30_000, intervalMilliseconds: 10_000) == 40_000)
    }
}

@Suite struct ReadingTimeTests {
    @Test func theClockCountsAsSetFrom2024() {
        #expect(!ReadingTime.clockIsSet(wallClockMilliseconds: 0))
        #expect(!ReadingTime.clockIsSet(wallClockMilliseconds: 1_704_067_199_999))
        #expect(ReadingTime.clockIsSet(wallClockMilliseconds: 1_704_067_200_000))
    }

    @Test func aReadingBeforeTheClockIsSet_getsItsTimeFromTheMonotonicClock() {
        let stamp = ReadingTime.stamp(wallClockMilliseconds: 12_345, monotonicMilliseconds: 12_345)
        #expect(ReadingTime.isMonotonic(stamp))
        #expect(!Reading(temperature: Millidegrees(1), temperatureFractionDigits: 0, takenAtMilliseconds: stamp, sequence: 1).hasCreationTime)
        // Set 60 s later, at 2027-01-15T08:00:00Z: the reading was taken 60 s before.
        #expect(ReadingTime.fixedUp(stamp, wallClockMilliseconds: 1_800_000_000_000, monotonicMilliseconds: 72_345) == 1_799_999_940_000)
        // A wall-clock stamp is left alone, and stamping with a set clock uses it.
        #expect(ReadingTime.fixedUp(1_800_000_000_000, wallClockMilliseconds: 1_900_000_000_000, monotonicMilliseconds: 1) == 1_800_000_000_000)
        #expect(ReadingTime.stamp(wallClockMilliseconds: 1_800_000_000_000, monotonicMilliseconds: 5) == 1_800_000_000_000)
    }

    @Test func aMonotonicStampFromAnEarlierProcess_becomesTimeUnknown() {
        #expect(ReadingTime.forgotten(-5_001) == 0)
        #expect(ReadingTime.forgotten(1_800_000_000_000) == 1_800_000_000_000)
    }

    /// Wall clock at 1970 until `setAt`, then the real time.
    final class UnsetClock: AgentClock {
        private(set) var nowMilliseconds: Int64 = 0
        let setAt: Int64
        init(setAt: Int64) { self.setAt = setAt }
        var wallClockSeconds: Int64 { wallClockMilliseconds / 1000 }
        var wallClockMilliseconds: Int64 { nowMilliseconds < setAt ? 1_000 + nowMilliseconds : 1_800_000_000_000 + nowMilliseconds }
        func sleep(milliseconds: Int64) { nowMilliseconds += max(milliseconds, 0) }
    }

    @Test func readingsQueuedBeforeTheClockIsSet_areSentWithTheirRealTimes_onceItIs() throws {
        let clock = UnsetClock(setAt: 25_000)
        // The hub is down until after the clock is set, so the first readings wait.
        var script: [Result<HTTPResponse, ScriptedTransport.Failure>] = Array(repeating: .success(HTTPResponse(status: 503)), count: 3)
        script += Array(repeating: .success(HTTPResponse(status: 204)), count: 10)
        var run = UplinkTests.Run(script: script, policy: RetryPolicy(floorMilliseconds: 10_000, capMilliseconds: 10_000, maximumAttempts: 10))
        run.start(count: 4, interval: 10_000)
        var machine = run.machine
        var source = UplinkTests.Counter()
        var events: [String] = []
        var stamps: [Int: Int64] = [:]
        let (outcome, _) = TelemetryLoop.run(&machine, source: &source, transport: &run.transport, clock: clock) { event, delivered in
            switch event {
            case .clockUnset(let wallClock): events.append("unset at \(wallClock)")
            case .clockSet(_, let restamped): events.append("set, \(restamped) restamped")
            case .delivered: for reading in delivered { stamps[reading.sequence] = reading.takenAtMilliseconds }
            default: break
            }
        }
        #expect(outcome == .allDelivered)
        #expect(events == ["unset at 1000", "set, 3 restamped"])
        // Readings 1–3 at monotonic 0, 10 s and 20 s; the clock is set at 25 s (wall 1.8e12 + 25 s there).
        #expect(stamps[1] == 1_800_000_000_000)
        #expect(stamps[2] == 1_800_000_010_000)
        #expect(stamps[3] == 1_800_000_020_000)
        #expect(stamps[4].map { $0 >= 1_800_000_025_000 } == true)
    }
}

@Suite struct ReloadableSettingsTests {
    @Test func onlyWhatWasOpenedAtStart_needsARestart() {
        let running = RunOptions()
        var reloaded = running
        reloaded.intervalMilliseconds = 1_000
        reloaded.idScope = "0ne99999999"
        reloaded.certificatePath = "/etc/kelvin/new-cert.pem"
        reloaded.logLevel = .debug
        #expect(reloaded.keysNeedingRestart(comparedWith: running).isEmpty)
        reloaded.statusLEDLine = "GPIO22"
        reloaded.spoolMaximumBytes = 8192
        reloaded.includeHumidity = true
        #expect(reloaded.keysNeedingRestart(comparedWith: running) == [.statusLEDLine, .spoolMaximumBytes, .include])
        #expect(reloaded.keysNeedingRestart(comparedWith: running).map(\.description) == ["status.led_line", "spool.max_bytes", "telemetry.include"])
        reloaded.keepRestartOnlySettings(of: running)
        #expect(reloaded.keysNeedingRestart(comparedWith: running).isEmpty)
        #expect(reloaded.intervalMilliseconds == 1_000)
        #expect(reloaded.idScope == "0ne99999999")
    }
}
