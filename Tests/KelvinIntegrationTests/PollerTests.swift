import Foundation
import Platform
import Testing

/// The event loop's one wait: readiness by index, a timeout with nothing ready, a hang-up that
/// counts as ready, and storage that a rebuilt watch list reuses.
@Suite struct PollerTests {
    /// A pipe, closed when the test ends.
    final class Pipe {
        let readEnd: Int32
        let writeEnd: Int32
        private var open = true

        init() throws {
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else { throw Errno(rawValue: errno) }
            readEnd = ends[0]
            writeEnd = ends[1]
        }

        func writeByte() {
            var byte: UInt8 = 1
            _ = write(writeEnd, &byte, 1)
        }

        func closeWriteEnd() {
            close(writeEnd)
            open = false
        }

        deinit {
            close(readEnd)
            if open { close(writeEnd) }
        }
    }

    @Test func pipeWithAByteWaiting_isReady_andOnlyIt() throws {
        let quiet = try Pipe()
        let busy = try Pipe()
        var poller = Poller()
        let quietIndex = poller.watch(quiet.readEnd, forWriting: false)
        let busyIndex = poller.watch(busy.readEnd, forWriting: false)
        busy.writeByte()
        let readiness = try poller.wait(timeoutMilliseconds: 5_000)
        #expect(readiness.contains(busyIndex))
        #expect(!readiness.contains(quietIndex))
        #expect(!readiness.isEmpty)
    }

    @Test func nothingReady_isEmpty_afterTheTimeout() throws {
        let quiet = try Pipe()
        var poller = Poller()
        poller.watch(quiet.readEnd, forWriting: false)
        let clock = MonotonicClock()
        let start = clock.nowMilliseconds
        let readiness = try poller.wait(timeoutMilliseconds: 50)
        #expect(readiness.isEmpty)
        #expect(clock.nowMilliseconds - start >= 45)
    }

    @Test func writeEndOfAPipe_isReadyForWriting() throws {
        let pipe = try Pipe()
        var poller = Poller()
        let index = poller.watch(pipe.writeEnd, forWriting: true)
        #expect(try poller.wait(timeoutMilliseconds: 1_000).contains(index))
    }

    @Test func peerThatHungUp_countsAsReady() throws {
        let pipe = try Pipe()
        var poller = Poller()
        let index = poller.watch(pipe.readEnd, forWriting: false)
        pipe.closeWriteEnd()
        #expect(try poller.wait(timeoutMilliseconds: 1_000).contains(index))
    }

    @Test func removeAll_forgetsWhatWasWatched() throws {
        let busy = try Pipe()
        let quiet = try Pipe()
        busy.writeByte()
        var poller = Poller()
        poller.watch(busy.readEnd, forWriting: false)
        poller.removeAll()
        let index = poller.watch(quiet.readEnd, forWriting: false)
        #expect(index == 0)
        #expect(try poller.wait(timeoutMilliseconds: 10).isEmpty)
    }
}

extension SignalTests {
    @Test func signal_makesTheWakeDescriptorReadable_untilDrained() throws {
        try Signals.install()
        defer { Self.restoreDefaults() }
        Signals.drainWake()
        #expect(Signals.wakeDescriptor >= 0)
        var poller = Poller()
        let wake = poller.watch(Signals.wakeDescriptor, forWriting: false)
        #expect(try poller.wait(timeoutMilliseconds: 0).isEmpty)
        raise(SIGHUP)
        #expect(try poller.wait(timeoutMilliseconds: 5_000).contains(wake))
        #expect(Signals.takeReload())
        Signals.drainWake()
        #expect(try poller.wait(timeoutMilliseconds: 0).isEmpty)
    }

    @Test func signalDuringAWait_endsItEarly_withNothingReady() throws {
        try Signals.install()
        defer { Self.restoreDefaults() }
        let waiter = pthread_self()
        let sender = Thread {
            usleep(100_000)
            pthread_kill(waiter, SIGHUP)
        }
        var poller = Poller()
        let clock = MonotonicClock()
        let start = clock.nowMilliseconds
        sender.start()
        let readiness = try poller.wait(timeoutMilliseconds: 10_000)
        #expect(readiness.isEmpty)
        #expect(clock.nowMilliseconds - start < 5_000)
        #expect(Signals.takeReload())
        Signals.drainWake()
    }
}
