import Agent
import Platform
import Sensors

/// The loop's clock on a device: while the loop sleeps, it drives the status LED's pattern and
/// watches the alert input, waking the loop early when the alert fires, pings systemd's watchdog
/// and wakes at once on a termination signal. One thread, no timers.
final class DeviceClock: AgentClock {
    private let clock = MonotonicClock()
    private let led: HeldOutput?
    private let alert: HeldEvents?
    private let supervisor: Supervisor?
    /// Until the loop runs nothing is held that a stop would lose, so a termination signal during
    /// start-up provisioning ends the process at once: returning early instead would turn the
    /// provisioning retries into a burst of requests. The run clears it when the loop starts,
    /// and the loop then stops by itself.
    var exitsOnTermination = true
    /// A sleep already returned early for the termination signal. The loop asks `shouldStop`
    /// right after its own sleep, so a second sleep means a driver inside the loop (provisioning
    /// again) is retrying, and would retry at once forever: the process ends there instead.
    private var returnedForTermination = false
    private var ledIsOn = false
    private var wakesForReload = false
    /// What the LED shows now; the progress reporter changes it as the device's state changes.
    var pattern: StatusLEDPattern = .provisioning {
        didSet { refreshLED() }
    }
    /// Set when an alert edge cut a sleep short; the loop clears it when it takes the reading.
    private(set) var alertRaised = false

    /// - Parameters:
    ///   - ledLine: a GPIO line name (e.g. `GPIO27`) with the status LED, or nil.
    ///   - alertLine: a GPIO line name with the sensor's alert output, or nil.
    /// - Throws: a configuration `Fatal` naming the line and the fix.
    init(ledLine: String?, alertLine: String?, supervisor: Supervisor? = nil) throws(Fatal) {
        self.supervisor = supervisor
        do {
            led = try ledLine.map { name throws(GPIOError) in
                HeldOutput(try OutputLine(try GPIOLineLocation.named(name), consumer: "kelvin-status"))
            }
            alert = try alertLine.map { name throws(GPIOError) in
                HeldEvents(try EventLine(try GPIOLineLocation.named(name), consumer: "kelvin-alert", edges: .both))
            }
        } catch {
            throw Fatal(message: error.description, exitCode: .configuration)
        }
    }

    var nowMilliseconds: Int64 { clock.nowMilliseconds }
    var wallClockSeconds: Int64 { clock.wallClockSeconds }
    var wallClockMilliseconds: Int64 { clock.wallClockMilliseconds }

    /// Takes (and clears) a pending alert.
    func takeAlert() -> Bool {
        defer { alertRaised = false }
        return alertRaised
    }

    /// The loop's wait between turns ends at a reload (SIGHUP), which the loop takes when it
    /// next asks whether to stop. Other waits (a retry's backoff, a DPS poll) keep their length,
    /// or a reload would turn them into a hot loop.
    func idle(milliseconds: Int64) {
        wakesForReload = true
        sleep(milliseconds: milliseconds)
        wakesForReload = false
    }

    func sleep(milliseconds: Int64) {
        let deadline = clock.nowMilliseconds + milliseconds
        while true {
            refreshLED()
            supervisor?.pingIfDue(atMilliseconds: clock.nowMilliseconds)
            if Signals.terminationRequested {
                if exitsOnTermination || returnedForTermination { exitWhileRetrying() }
                returnedForTermination = true
                return
            }
            let now = clock.nowMilliseconds
            guard now < deadline, !(wakesForReload && Signals.reloadRequested) else { return }
            var step = deadline - now
            // Wake at the next LED change at the latest: at most every 50 ms while it blinks.
            if led != nil { step = min(step, 50) }
            // And for the watchdog's next ping, however long the loop asked to sleep.
            if let ping = supervisor?.nextPingAt { step = min(step, max(1, ping - now)) }
            if let alert {
                // The GPIO wait resumes after signals, so it is kept short enough for a stop to
                // be noticed promptly.
                step = min(step, 250)
                do {
                    if try alert.line.wait(timeoutMilliseconds: Int(step)) != nil {
                        alertRaised = true
                        return
                    }
                } catch {
                    // A line that cannot be waited on must not turn the sleep into a busy loop.
                    clock.sleepUnlessSignalled(milliseconds: step)
                }
            } else {
                clock.sleepUnlessSignalled(milliseconds: step)
            }
        }
    }

    private func exitWhileRetrying() -> Never {
        let signal = Signals.terminationSignalName ?? "a signal"
        Log.info(exitsOnTermination ? "stopped by \(signal) while provisioning" : "stopped by \(signal) while provisioning again; readings not yet delivered are lost")
        supervisor?.notify(.stopping)
        Process.exit(ExitCode.success.rawValue)
    }

    private func refreshLED() {
        guard let led else { return }
        let on = pattern.isOn(atMilliseconds: clock.nowMilliseconds)
        guard on != ledIsOn else { return }
        // A status LED that cannot be set is not worth stopping the telemetry for.
        if (try? led.line.set(active: on)) != nil { ledIsOn = on }
    }
}

/// A GPIO line held by reference, so that an optional one can be kept in a class.
private final class HeldOutput {
    let line: OutputLine
    init(_ line: consuming OutputLine) { self.line = line }
}

private final class HeldEvents {
    let line: EventLine
    init(_ line: consuming EventLine) { self.line = line }
}
