import Agent
import AzureIoT
import HTTP1

/// The agent's one event loop: it carries out the telemetry state machine's actions and owns
/// every wait — the exchange in flight, the alert line, the signals, and the timers (the next
/// reading, a backoff, the status LED's next change, the watchdog's next ping) — in one
/// `wait` bounded by the earliest deadline, so no wait can starve another: a stalled read from a
/// server does not delay the watchdog, and a reading that falls due during a handshake is taken
/// on time.
public struct AgentLoop<Source: ReadingSource, Waiter: EventWaiter, Shell: AgentShell> {
    public typealias Transport = Shell.Transport

    public var machine: TelemetryStateMachine<SplitMix64>
    public var source: Source
    public var transport: Transport
    public var waiter: Waiter
    public var shell: Shell
    /// systemd's watchdog; nil when it asks for none.
    public let watchdog: WatchdogSchedule?
    private var lastPingAt: Int64?
    /// What the request in flight waits for; nil when none is.
    private var exchange: ExchangeWait?
    /// The last failure no retry fixes, for the error line at exit.
    private var unrecoverable: Transport.Failure?

    public init(
        machine: TelemetryStateMachine<SplitMix64>, source: Source, transport: Transport, waiter: Waiter, shell: Shell,
        watchdog: WatchdogSchedule?
    ) {
        self.machine = machine
        self.source = source
        self.transport = transport
        self.waiter = waiter
        self.shell = shell
        self.watchdog = watchdog
    }

    /// Runs until the machine stops.
    /// - Returns: how the run ended, with the transport's failure when it was one no retry fixes.
    public mutating func run() -> (outcome: TelemetryOutcome, failure: Transport.Failure?) {
        // Sampling starts at once and never waits on the network: start-up is done.
        shell.notify(.ready)
        while true {
            let now = waiter.nowMilliseconds
            pingWatchdogIfDue(now)
            let wake: Int64?
            switch carryOutActions() {
            case .stopped(let outcome):
                if exchange != nil { transport.cancel() }
                exchange = nil
                shell.notify(.stopping)
                return (outcome, unrecoverable)
            case .waiting(let until):
                wake = until
            }
            var deadline = wake
            func earliest(_ time: Int64?) {
                guard let time else { return }
                deadline = min(deadline ?? time, time)
            }
            earliest(exchange?.deadlineMilliseconds)
            if let watchdog { earliest(watchdog.nextPingAt(lastPingAt: lastPingAt)) }
            earliest(shell.ledPattern?.nextChange(afterMilliseconds: waiter.nowMilliseconds))
            let woke = waiter.wait(
                WatchedDescriptors(signals: shell.signalDescriptor, alert: shell.alertDescriptor, exchange: exchange),
                untilMilliseconds: deadline
            )
            handle(woke)
        }
    }

    private enum Turn {
        case waiting(until: Int64?)
        case stopped(TelemetryOutcome)
    }

    /// Everything the machine wants done now, up to its next wait.
    private mutating func carryOutActions() -> Turn {
        while true {
            switch machine.nextAction(
                nowMilliseconds: waiter.nowMilliseconds, wallClockMilliseconds: waiter.wallClockMilliseconds)
            {
            case .takeReading(let sequence, let stamp):
                machine.takeReading(sequence: sequence, takenAtMilliseconds: stamp, from: &source)
            case .send(let request):
                follow(begin(request))
            case .save(let saved):
                shell.save(saved)
            case .report(let event):
                shell.report(
                    event, delivered: machine.deliveredReadings,
                    queued: machine.outbox.count - machine.deliveredReadings.count,
                    nowMilliseconds: waiter.nowMilliseconds
                )
            case .wait(let until):
                return .waiting(until: until)
            case .stop(let outcome):
                return .stopped(outcome)
            }
        }
    }

    private mutating func begin(_ request: TelemetryRequest) -> ExchangeProgress<Transport.Failure> {
        let endpoint = request.endpoint
        let now = waiter.nowMilliseconds
        switch request {
        case .provisioning(let service):
            return transport.begin(host: endpoint.host, port: endpoint.port, service.request, nowMilliseconds: now)
        case .message(let message):
            return transport.begin(host: endpoint.host, port: endpoint.port, message, nowMilliseconds: now)
        case .batch(let batch):
            return transport.begin(host: endpoint.host, port: endpoint.port, batch, nowMilliseconds: now)
        }
    }

    private mutating func follow(_ progress: ExchangeProgress<Transport.Failure>) {
        switch progress {
        case .waiting(let wait):
            exchange = wait
        case .completed(let response):
            exchange = nil
            machine.responseReceived(
                response, nowMilliseconds: waiter.nowMilliseconds, wallClockMilliseconds: waiter.wallClockMilliseconds)
        case .failed(let failure):
            exchange = nil
            let transient = Transport.isTransient(failure)
            if !transient { unrecoverable = failure }
            machine.requestFailed(failure.description, transient: transient, nowMilliseconds: waiter.nowMilliseconds)
        }
    }

    private mutating func handle(_ woke: Wakeup) {
        let signals = shell.takeSignals()
        if signals.termination {
            machine.terminationRequested()
            return
        }
        if signals.reload { reload() }
        if woke.contains(.alert), shell.takeAlert() { machine.alertRaised() }
        let now = waiter.nowMilliseconds
        if let wait = exchange, woke.contains(.exchange) || now >= wait.deadlineMilliseconds {
            follow(transport.resume(nowMilliseconds: now))
        }
        shell.refreshLED(nowMilliseconds: now)
    }

    /// A reload that loads drops the request in flight (its readings stay queued) and goes on
    /// with the new settings; one that does not load changes nothing.
    private mutating func reload() {
        guard let reloaded = shell.reload() else { return }
        if exchange != nil { transport.cancel() }
        exchange = nil
        if let fresh = reloaded.transport { transport = fresh }
        machine.reloaded(
            reloaded.settings, saved: reloaded.saved, nowMilliseconds: waiter.nowMilliseconds,
            wallClockMilliseconds: waiter.wallClockMilliseconds
        )
    }

    private mutating func pingWatchdogIfDue(_ now: Int64) {
        guard let watchdog, now >= watchdog.nextPingAt(lastPingAt: lastPingAt) else { return }
        lastPingAt = now
        shell.notify(.watchdog)
    }
}
