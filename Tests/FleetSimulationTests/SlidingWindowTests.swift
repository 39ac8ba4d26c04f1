import FleetSimulation
import Testing

/// DPS's limits as the simulator counts them: a sliding window of admitted requests.
@Suite struct SlidingWindowTests {
    @Test func fivePollsIn10Seconds_areAdmitted_theSixthGetsRetryAfterUntilTheOldestLeaves() {
        var window = SlidingWindow(maximum: 5, windowMilliseconds: 10_000)
        for second in 0..<5 { #expect(window.admit(at: Int64(second) * 1_000) == nil) }
        // The oldest (t = 0) leaves the window at t = 10 s: 4.5 s from t = 5.5 s, rounded up.
        #expect(window.admit(at: 5_500) == 5)
        #expect(window.admit(at: 9_999) == 1)
        #expect(window.admit(at: 10_000) == nil)
    }

    @Test func refusedRequests_doNotCount_soWaitingAsToldIsAdmitted() {
        var window = SlidingWindow(maximum: 2, windowMilliseconds: 60_000)
        #expect(window.admit(at: 0) == nil)
        #expect(window.admit(at: 1_000) == nil)
        for attempt in 0..<10 { #expect(window.admit(at: 2_000 + Int64(attempt)) != nil) }
        #expect(window.count(at: 2_010) == 2)
        let wait = window.admit(at: 30_000) ?? 0
        #expect(window.admit(at: 30_000 + Int64(wait) * 1_000) == nil)
    }

    @Test func record_countsEveryRequest_forWatchingWhatClientsSend() {
        var window = SlidingWindow(maximum: 5, windowMilliseconds: 10_000)
        let counts = (0..<8).map { window.record(at: Int64($0) * 1_000) }
        #expect(counts == [1, 2, 3, 4, 5, 6, 7, 8])
        // (5 s, 15 s] holds the ones at 6 s and 7 s, and this one.
        #expect(window.record(at: 15_000) == 3)
    }

    @Test func aLongRun_keepsOnlyTheWindow() {
        var window = SlidingWindow(maximum: 1_000, windowMilliseconds: 60_000)
        for second in 0..<10_000 { _ = window.admit(at: Int64(second) * 1_000) }
        #expect(window.count(at: 9_999_000) == 60)
    }
}
