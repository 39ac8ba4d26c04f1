import Agent
import Testing

@Suite struct SystemdNotificationTests {
    @Test func eachState_isItsAssignment() {
        #expect(SystemdNotification.ready.text == "READY=1")
        #expect(SystemdNotification.watchdog.text == "WATCHDOG=1")
        #expect(SystemdNotification.stopping.text == "STOPPING=1")
        #expect(SystemdNotification.status("sent 1423, queued 0, hub myhub").text == "STATUS=sent 1423, queued 0, hub myhub")
    }

    @Test func statusWithANewline_keepsTheFirstLineOnly_soItCannotAddAnAssignment() {
        #expect(SystemdNotification.status("sent 1\nREADY=1").text == "STATUS=sent 1")
        #expect(SystemdNotification.status("").text == "STATUS=")
    }
}

@Suite struct WatchdogScheduleTests {
    @Test func watchdogUsec_givesTheTimeout_andPingsAtHalfOfIt() throws {
        let schedule = try #require(WatchdogSchedule(watchdogMicroseconds: "60000000", watchdogPID: nil, processID: 42))
        #expect(schedule.timeoutMilliseconds == 60_000)
        #expect(schedule.pingIntervalMilliseconds == 30_000)
    }

    @Test func watchdogPIDOfThisProcess_isAccepted_anotherProcessIsNot() {
        #expect(WatchdogSchedule(watchdogMicroseconds: "20000000", watchdogPID: "42", processID: 42) == WatchdogSchedule(timeoutMilliseconds: 20_000))
        #expect(WatchdogSchedule(watchdogMicroseconds: "20000000", watchdogPID: "41", processID: 42) == nil)
        #expect(WatchdogSchedule(watchdogMicroseconds: "20000000", watchdogPID: "x", processID: 42) == nil)
    }

    @Test func missingZeroOrMalformedInterval_meansNoWatchdog() {
        for value in [nil, "", "0", "-5", "60s", "1e6"] as [String?] {
            #expect(WatchdogSchedule(watchdogMicroseconds: value, watchdogPID: nil, processID: 1) == nil)
        }
    }

    @Test func subMillisecondInterval_isRaisedToTwoMilliseconds_soPingsNeverSpin() throws {
        let schedule = try #require(WatchdogSchedule(watchdogMicroseconds: "500", watchdogPID: nil, processID: 1))
        #expect(schedule.timeoutMilliseconds == 2)
        #expect(schedule.pingIntervalMilliseconds == 1)
    }

    @Test func healthyLoop_pingsAtOnce_thenEveryHalfInterval() {
        let schedule = WatchdogSchedule(timeoutMilliseconds: 60_000)
        let stall: Int64 = 200_000
        #expect(schedule.pingDue(atMilliseconds: 1_000, lastPingAt: nil, lastLoopTurnAt: 1_000, stallLimitMilliseconds: stall))
        #expect(schedule.nextPingAt(lastPingAt: 1_000) == 31_000)
        #expect(!schedule.pingDue(atMilliseconds: 30_999, lastPingAt: 1_000, lastLoopTurnAt: 1_000, stallLimitMilliseconds: stall))
        #expect(schedule.pingDue(atMilliseconds: 31_000, lastPingAt: 1_000, lastLoopTurnAt: 1_000, stallLimitMilliseconds: stall))
    }

    @Test func loopThatStoppedTurning_getsNoPing_soSystemdRestartsIt() {
        let schedule = WatchdogSchedule(timeoutMilliseconds: 60_000)
        // A long sleep is still a healthy loop, up to the stall limit.
        #expect(schedule.pingDue(atMilliseconds: 201_000, lastPingAt: 150_000, lastLoopTurnAt: 1_000, stallLimitMilliseconds: 200_000))
        #expect(!schedule.pingDue(atMilliseconds: 201_001, lastPingAt: 150_000, lastLoopTurnAt: 1_000, stallLimitMilliseconds: 200_000))
        #expect(!schedule.pingDue(atMilliseconds: 500_000, lastPingAt: nil, lastLoopTurnAt: 1_000, stallLimitMilliseconds: 200_000))
    }
}

@Suite struct LogFormatTests {
    @Test func plainLines_nameTheProgramAndTheLevel() {
        let format = LogFormat(threshold: .debug, journal: false)
        #expect(format.line(.error, "no DPS") == "kelvin: error: no DPS")
        #expect(format.line(.warning, "retrying") == "kelvin: warning: retrying")
        #expect(format.line(.info, "sent 21.50") == "kelvin: sent 21.50")
        #expect(format.line(.debug, "told systemd READY=1") == "kelvin: debug: told systemd READY=1")
    }

    @Test func journalLines_carryTheSyslogPriority_only() {
        let format = LogFormat(threshold: .debug, journal: true)
        #expect(format.line(.error, "no DPS") == "<3>no DPS")
        #expect(format.line(.warning, "retrying") == "<4>retrying")
        #expect(format.line(.info, "sent 21.50") == "<6>sent 21.50")
        #expect(format.line(.debug, "ping") == "<7>ping")
    }

    @Test func threshold_leavesOutLessImportantLines() {
        let levels: [LogLevel] = [.error, .warning, .info, .debug]
        #expect(levels.map { LogFormat(threshold: .warning).line($0, "x") != nil } == [true, true, false, false])
        #expect(levels.map { LogFormat(threshold: .info).line($0, "x") != nil } == [true, true, true, false])
        #expect(levels.map { LogFormat(threshold: .error).line($0, "x") != nil } == [true, false, false, false])
        #expect(LogFormat().threshold == .info)
    }

    @Test func logLevelOption_setsTheThreshold_andRejectsOtherWords() throws {
        guard case .run(let request) = try CommandLineParser.parse(["kelvin", "run", "--log-level", "debug"]) else {
            Issue.record("not a run")
            return
        }
        let options = try Configuration.resolve(file: nil, path: "kelvin.conf", environment: { _ in nil }, flags: request.flags)
        #expect(options.logLevel == .debug)
        guard case .provision(let provisioning, force: true) = try CommandLineParser.parse(["kelvin", "provision", "--force", "--log-level", "error"]) else {
            Issue.record("not a provision")
            return
        }
        #expect(try Configuration.resolve(file: nil, path: "kelvin.conf", environment: { _ in nil }, flags: provisioning.flags).logLevel == .error)
        #expect {
            try CommandLineParser.parse(["kelvin", "run", "--log-level", "verbose"])
        } throws: { error in
            (error as? UsageError)?.description == "--log-level verbose: expected one of \"error\", \"warning\", \"info\" or \"debug\""
        }
        #expect(try Configuration.resolve(file: Array("[log]\nlevel = \"warning\"\n".utf8), path: "kelvin.conf", environment: { _ in nil }, flags: []).logLevel == .warning)
        #expect(CommandLineParser.helpText.contains("--log-level <level>"))
    }
}
