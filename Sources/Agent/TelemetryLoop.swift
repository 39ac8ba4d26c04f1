import AzureIoT
import HTTP1

/// Drives a ``TelemetryStateMachine`` over a blocking transport and a clock that sleeps, in one
/// thread: for `kelvin send`, and for tests that run hours of schedule on a manual clock. The
/// device's own run drives the same machine from its event loop instead, where no wait blocks
/// another.
public enum TelemetryLoop {
    /// Runs until the machine stops.
    /// - Parameters:
    ///   - shouldStop: asked once per turn; true is a termination request.
    ///   - readingRequested: asked once per turn; true takes the next reading now (an alert input).
    ///   - save: keeps an assignment DPS gave.
    ///   - report: each event, with the readings a `.delivered` names (empty for the others).
    /// - Returns: how the run ended, and the transport's failure when it was one no retry fixes.
    public static func run<Source: ReadingSource, Random: RandomSource, Transport: HTTPTransport, Clock: AgentClock>(
        _ machine: inout TelemetryStateMachine<Random>,
        source: inout Source,
        transport: inout Transport,
        clock: Clock,
        shouldStop: () -> Bool = { false },
        readingRequested: () -> Bool = { false },
        save: (SavedAssignment) -> Void = { _ in },
        report: (TelemetryEvent, ArraySlice<Reading>) -> Void
    ) -> (outcome: TelemetryOutcome, failure: Transport.Failure?) {
        var unrecoverable: Transport.Failure?
        var turnStarts = true
        while true {
            if turnStarts {
                turnStarts = false
                if shouldStop() { machine.terminationRequested() }
                if readingRequested() { machine.alertRaised() }
            }
            let now = clock.nowMilliseconds
            switch machine.nextAction(nowMilliseconds: now, wallClockMilliseconds: clock.wallClockMilliseconds) {
            case .takeReading(let sequence, let stamp):
                machine.takeReading(sequence: sequence, takenAtMilliseconds: stamp, from: &source)
            case .send(let request):
                do {
                    let response = try transport.send(request)
                    machine.responseReceived(
                        response, nowMilliseconds: clock.nowMilliseconds,
                        wallClockMilliseconds: clock.wallClockMilliseconds)
                } catch {
                    let transient = Transport.isTransient(error)
                    if !transient { unrecoverable = error }
                    machine.requestFailed(
                        error.description, transient: transient, nowMilliseconds: clock.nowMilliseconds)
                }
            case .save(let saved):
                save(saved)
            case .report(let event):
                report(event, machine.deliveredReadings)
            case .wait(let until):
                // Nothing scheduled means nothing can happen in a loop without outside events;
                // a second's nap keeps such a run responsive to `shouldStop` all the same.
                let wake = until ?? now + 1_000
                if wake > now { clock.idle(milliseconds: wake - now) }
                turnStarts = true
            case .stop(let outcome):
                return (outcome, unrecoverable)
            }
        }
    }
}

extension HTTPTransport {
    /// Sends what the telemetry state machine asked for to its endpoint.
    public mutating func send(_ request: TelemetryRequest) throws(Failure) -> HTTPResponse {
        let endpoint = request.endpoint
        switch request {
        case .provisioning(let request): return try send(host: endpoint.host, port: endpoint.port, request.request)
        case .message(let message): return try send(host: endpoint.host, port: endpoint.port, message)
        case .batch(let batch): return try send(host: endpoint.host, port: endpoint.port, batch)
        }
    }
}
