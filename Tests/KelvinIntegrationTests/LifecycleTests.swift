import Foundation
import Platform
import Testing

/// `SystemdNotifier` against real AF_UNIX datagram sockets, as systemd's `NOTIFY_SOCKET` is.
/// Serialized: the tests set process-wide environment variables.
@Suite(.serialized) struct SystemdNotifierTests {
    @Test func notifySocketPath_receivesEachStateAsOneDatagram() throws {
        let listener = try DatagramListener(name: "/tmp/kelvin-notify-\(UUID().uuidString)")
        setenv("NOTIFY_SOCKET", listener.name, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        let notifier = try #require(SystemdNotifier.fromEnvironment())
        #expect(notifier.socketPath == listener.name)
        for state in ["READY=1", "STATUS=sent 1423, queued 0, hub myhub", "WATCHDOG=1", "STOPPING=1"] {
            try notifier.send(state)
        }
        #expect(listener.received() == ["READY=1", "STATUS=sent 1423, queued 0, hub myhub", "WATCHDOG=1", "STOPPING=1"])
    }

    @Test func abstractNotifySocket_isReachedByItsAtName() throws {
        let listener = try DatagramListener(name: "@kelvin-notify-\(UUID().uuidString)")
        try SystemdNotifier(socketPath: listener.name).send("READY=1")
        #expect(listener.received() == ["READY=1"])
    }

    @Test func unsetOrEmptyNotifySocket_meansNotUnderSystemd() {
        unsetenv("NOTIFY_SOCKET")
        #expect(SystemdNotifier.fromEnvironment() == nil)
        setenv("NOTIFY_SOCKET", "", 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        #expect(SystemdNotifier.fromEnvironment() == nil)
    }

    @Test func socketThatIsGone_orNameTooLong_isTheErrno() {
        #expect(throws: Errno.noSuchFile) { try SystemdNotifier(socketPath: "/tmp/kelvin-notify-missing-\(UUID().uuidString)").send("READY=1") }
        #expect(throws: Errno(rawValue: ENAMETOOLONG)) { try SystemdNotifier(socketPath: "/tmp/" + String(repeating: "x", count: 200)).send("READY=1") }
    }
}

/// The handlers installed by `Signals.install`, driven by real signals sent to the test's own
/// thread. Serialized: the flags are process-wide.
@Suite(.serialized) struct SignalTests {
    /// Each test installs the handlers from its own thread, which unblocks the signals there:
    /// the test runner's pool threads start with them blocked.
    init() {
        _ = Signals.takeTermination()
        _ = Signals.takeReload()
    }

    /// So that Ctrl-C still stops the test run afterwards.
    static func restoreDefaults() {
        for number in [SIGTERM, SIGINT, SIGHUP] { signal(number, SIG_DFL) }
    }

    @Test func sighup_setsTheReloadFlag_once() throws {
        try Signals.install()
        defer { Self.restoreDefaults() }
        #expect(!Signals.takeReload())
        raise(SIGHUP)
        #expect(Signals.takeReload())
        #expect(!Signals.takeReload())
        #expect(!Signals.terminationRequested)
    }

    @Test func sigterm_staysRequestedUntilTaken_andIsNamed() throws {
        try Signals.install()
        defer { Self.restoreDefaults() }
        raise(SIGTERM)
        #expect(Signals.terminationRequested)
        #expect(Signals.terminationRequested)
        #expect(Signals.terminationSignalName == "SIGTERM")
        #expect(Signals.takeTermination())
        #expect(!Signals.terminationRequested)
        #expect(Signals.terminationSignalName == nil)
        raise(SIGINT)
        #expect(Signals.terminationSignalName == "SIGINT")
        #expect(Signals.takeTermination())
    }

    @Test func signalDuringSleep_endsItEarly() throws {
        try Signals.install()
        defer { Self.restoreDefaults() }
        // Sent to the sleeping thread itself: a signal for the process may land on another one.
        let sleeper = pthread_self()
        let sender = Thread {
            usleep(100_000)
            pthread_kill(sleeper, SIGHUP)
        }
        let clock = MonotonicClock()
        let start = clock.nowMilliseconds
        sender.start()
        let sleptFully = clock.sleepUnlessSignalled(milliseconds: 10_000)
        let slept = clock.nowMilliseconds - start
        #expect(!sleptFully)
        #expect(slept < 5_000)
        #expect(Signals.takeReload())
    }
}
