import Agent
import Testing
import Wire

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

    @Test func whatAServerSays_cannotForgeAJournalLineOrDriveATerminal() {
        let journal = LogFormat(threshold: .debug, journal: true)
        // A refusal message carrying a line of its own, at emergency priority.
        #expect(journal.line(.warning, "DPS said: bad\n<0>kelvin: all readings deleted") == #"<4>DPS said: bad\n<0>kelvin: all readings deleted"#)
        #expect(journal.line(.info, "a\rb\tc") == #"<6>a\rb\tc"#)
        let plain = LogFormat(threshold: .debug, journal: false)
        #expect(plain.line(.error, "hub: \u{1B}[2J\u{1B}]0;owned\u{07}") == #"kelvin: error: hub: \x1B[2J\x1B]0;owned\x07"#)
        // C1 controls (NEL, CSI) and DEL, as UTF-8, and bytes that are not UTF-8 at all.
        #expect(plain.line(.info, "x\u{85}y\u{9B}z\u{7F}") == #"kelvin: x\x85y\x9Bz\x7F"#)
        #expect(plain.line(.info, "21.50 °C, 温度 🌡") == "kelvin: 21.50 °C, 温度 🌡")
    }

    @Test func everyControlByte_isEscapedAndNothingElseIs() {
        for scalar in UInt32(0)...0x2FF {
            guard let unicode = Unicode.Scalar(scalar) else { continue }
            let escaped = PrintableText.escaped(String(Character(unicode)))
            let control = scalar < 0x20 || (0x7F...0x9F).contains(scalar)
            #expect(escaped.unicodeScalars.allSatisfy { !($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) }, "U+\(scalar)")
            #expect((escaped.unicodeScalars.first == "\\") == (control || scalar == 0x5C), "U+\(scalar)")
        }
        #expect(PrintableText.escaped([0x61, 0xFF, 0xC3, 0x28, 0xE2, 0x82]) == #"a\xFF\xC3(\xE2\x82"#)
        #expect(PrintableText.escaped([0xED, 0xA0, 0x80]) == #"\xED\xA0\x80"#)
        #expect(PrintableText.isClean("Bad request (400004): registration ID é"))
        #expect(!PrintableText.isClean([0x61, 0xC0, 0x80]))
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
