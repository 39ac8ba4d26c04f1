import Agent
import Testing

@Suite struct SensorHealthTests {
    /// Runs `slots` scheduled slots against a sensor whose reads fail while `failing(slot)`.
    static func run(_ health: inout SensorHealth, slots: Int, failing: (Int) -> Bool) -> [String] {
        var actions: [String] = []
        for slot in 0..<slots {
            let action = health.slotArrived()
            switch action {
            case .skip:
                actions.append("skip")
                continue
            case .read: actions.append("read")
            case .restartThenRead: actions.append("restart")
            case .powerCycleThenRead: actions.append("power")
            }
            if failing(slot) {
                health.readingFailed(afterRestart: action != .read)
            } else {
                health.readingSucceeded()
            }
        }
        return actions
    }

    @Test func deadSensor_isRestartedThenLeftAloneForLongerAndLonger() {
        var health = SensorHealth(restartAfter: 3, powerCycleAfter: 2, maximumSkip: 7, canPowerCycle: false)
        let actions = Self.run(&health, slots: 24) { _ in true }
        #expect(actions == [
            "read", "read", "read",                  // three failures in a row
            "restart",                               // 4th failure: skip 1
            "skip", "restart",                       // 5th: skip 3
            "skip", "skip", "skip", "restart",       // 6th: skip 7 (the cap)
            "skip", "skip", "skip", "skip", "skip", "skip", "skip", "restart",
            "skip", "skip", "skip", "skip", "skip", "skip",
        ])
    }

    @Test func withAPowerLine_failedRestartsLeadToAPowerCycle() {
        var health = SensorHealth(restartAfter: 2, powerCycleAfter: 2, maximumSkip: 0, canPowerCycle: true)
        let actions = Self.run(&health, slots: 7) { _ in true }
        #expect(actions == ["read", "read", "restart", "restart", "power", "restart", "power"])
    }

    @Test func oneGoodReading_clearsTheRecord() {
        var health = SensorHealth(restartAfter: 2, maximumSkip: 3)
        let actions = Self.run(&health, slots: 8) { slot in slot < 2 || slot == 5 }
        #expect(actions == ["read", "read", "restart", "read", "read", "read", "read", "read"])
        #expect(health.consecutiveFailures == 0)
    }
}
