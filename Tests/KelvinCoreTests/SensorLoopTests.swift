import Agent
import AzureIoT
import HTTP1
import Sensors
import Testing
import Wire

/// A sensor that fails or succeeds as scripted, through the real `I2CReadingSource` and loop.
@Suite struct SensorLoopTests {
    struct FlakyDriver: I2CSensorDriver {
        var name = "FLAKY at 0x40"
        /// One entry per measure(): true succeeds.
        var outcomes: [Bool]
        var starts = 0
        var measured = 0

        mutating func start<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) {
            starts += 1
            wait(2)
        }

        mutating func measure<Bus: I2CBus>(on bus: inout Bus, wait: (Int) -> Void) throws(SensorError) -> SensorSample {
            defer { measured += 1 }
            guard measured < outcomes.count, outcomes[measured] else {
                throw .bus(.noDevice(bus: bus.name, address: I2CAddress(0x40)!))
            }
            return SensorSample(temperature: Millidegrees(Int32(21_000 + measured)), fractionDigits: 3,
                                humidity: RelativeHumidity(millipercent: 40_000), pressure: nil)
        }
    }

    struct CountingSwitch: PowerSwitch {
        var cycles = 0
        mutating func powerCycle() throws(SensorError) { cycles += 1 }
    }

    @Test func failingSensor_isReportedRestartedAndPowerCycled_whileTheUplinkCarriesOn() throws {
        let clock = ManualClock()
        var source = I2CReadingSource(
            driver: FlakyDriver(outcomes: [true, false, false, false, false, true, true]),
            bus: ScriptedI2CBus(), power: CountingSwitch(), fields: ReadingFields(humidity: true), clock: clock,
            health: SensorHealth(restartAfter: 2, powerCycleAfter: 1, maximumSkip: 0, canPowerCycle: true)
        )
        try source.start()
        var run = UplinkTests.Run(script: Array(repeating: .success(HTTPResponse(status: 204)), count: 4))
        run.start(count: 7)
        let outcome = try run.drive(source: &source, clock: clock)
        let events = run.events
        #expect(outcome == .allDelivered)
        let failure = "sensor failed: no device answered at 0x40 on /dev/i2c-1: check the wiring (SDA, SCL, 3.3 V, GND) and the address — `kelvin scan` lists what answers"
        #expect(events == [
            "delivered 1 to hub-a.example",
            failure, failure,          // two in a row: restart next
            failure,                   // the restart failed: power-cycle next
            failure,                   // the power cycle did not help either: another one next
            "delivered 2 to hub-a.example", "delivered 3 to hub-a.example",
        ])
        #expect(source.driver.starts == 4)   // start(), the restart, and one after each power cycle
        #expect(source.power?.cycles == 2)
        #expect(run.machine.outbox.isEmpty)
        #expect(run.transport.messageIDs == ["dev-run-1", "dev-run-2", "dev-run-3"])
    }
}

@Suite struct AlertTests {
    /// A clock whose first long sleep is cut short by an alert edge, as the device's clock is when
    /// it waits on the alert line.
    final class AlertingClock: AgentClock {
        private(set) var nowMilliseconds: Int64 = 0
        var wallClockSeconds: Int64 { wallClockMilliseconds / 1000 }
        var wallClockMilliseconds: Int64 { 1_800_000_000_000 + nowMilliseconds }
        var alertAfter: Int64?
        var alertRaised = false

        func sleep(milliseconds: Int64) {
            if let after = alertAfter, milliseconds > after {
                nowMilliseconds += after
                alertAfter = nil
                alertRaised = true
                return
            }
            nowMilliseconds += max(milliseconds, 0)
        }
    }

    @Test func alert_takesAReadingAtOnce_andTheScheduleKeepsToTheClock() throws {
        let clock = AlertingClock()
        clock.alertAfter = 3_000
        var run = UplinkTests.Run(script: Array(repeating: .success(HTTPResponse(status: 204)), count: 3))
        run.start(count: 3, interval: 10_000)
        var source = UplinkTests.Counter()
        var machine = run.machine
        var delivered: [Int64] = []
        let (outcome, _) = TelemetryLoop.run(
            &machine, source: &source, transport: &run.transport, clock: clock,
            readingRequested: {
                defer { clock.alertRaised = false }
                return clock.alertRaised
            }
        ) { event, _ in
            if case .delivered = event { delivered.append(clock.nowMilliseconds) }
        }
        #expect(outcome == .allDelivered)
        // The alert's reading is extra: the next regular one stays on the 10 s boundary.
        #expect(delivered == [0, 3_000, 10_000])
    }
}
