import AzureIoT
import HTTP1

/// The device's one loop: read the sensor on schedule, queue the reading, and let the uplink
/// deliver the queue in between — a slow or failing network never delays a reading, and a
/// reading is only forgotten once the hub has taken it (or refused it for good).
public enum TelemetryLoop {
    public enum Outcome: Equatable, Sendable {
        /// Every reading taken was accepted or refused for good.
        case allDelivered
        /// A bounded run ended with readings the hub did not take in the last round of attempts.
        case undelivered(pending: Int)
    }

    /// - Parameters:
    ///   - count: sampling slots, then stop once their readings are delivered (a slot whose
    ///     read failed counts, so a dead sensor cannot keep a bounded run going); 0 runs until
    ///     `shouldStop`.
    ///   - firstSequence: the first reading's number, so that a second run in one process does
    ///     not reuse message IDs.
    ///   - shouldStop: asked each time round; true ends the loop with what is pending.
    ///   - readingRequested: asked each time round; true takes the next reading now (an alert
    ///     input fired) and restarts the schedule from it.
    public static func run<Source: ReadingSource, Store: AssignmentStore, Random: RandomSource, Transport: HTTPTransport, Clock: AgentClock>(
        source: inout Source,
        uplink: inout TelemetryUplink<Store, Random>,
        outbox: inout Outbox,
        count: Int,
        firstSequence: Int = 1,
        intervalMilliseconds: Int64,
        transport: inout Transport,
        clock: Clock,
        shouldStop: () -> Bool = { false },
        readingRequested: () -> Bool = { false },
        report: (UplinkEvent) -> Void
    ) throws(Transport.Failure) -> Outcome {
        var taken = 0
        var nextSequence = firstSequence
        var nextReadingAt = clock.nowMilliseconds
        while !shouldStop() {
            let sampling = count == 0 || taken < count
            if sampling && readingRequested() { nextReadingAt = clock.nowMilliseconds }
            if sampling && clock.nowMilliseconds >= nextReadingAt {
                taken += 1
                do {
                    if let reading = try source.read(sequence: nextSequence, takenAtMilliseconds: clock.wallClockMilliseconds) {
                        nextSequence += 1
                        let displaced = outbox.append(reading)
                        report(.queued(reading))
                        if let displaced { report(.displaced(displaced)) }
                    }
                } catch {
                    report(.sensorFailed(error))
                }
                // On schedule whatever the network cost; intervals missed while blocked (a
                // re-registration) are skipped rather than made up in a burst.
                nextReadingAt += intervalMilliseconds
                if nextReadingAt <= clock.nowMilliseconds { nextReadingAt = clock.nowMilliseconds + intervalMilliseconds }
            }
            try uplink.service(&outbox, transport: &transport, clock: clock, report: report)
            let samplingDone = count > 0 && taken >= count
            if samplingDone && outbox.isEmpty { return .allDelivered }
            if samplingDone && uplink.isStalled { return .undelivered(pending: outbox.count) }
            var wake = Int64.max
            if !samplingDone { wake = nextReadingAt }
            if !outbox.isEmpty { wake = min(wake, uplink.nextAttemptAt) }
            let now = clock.nowMilliseconds
            if wake > now { clock.sleep(milliseconds: wake - now) }
        }
        return outbox.isEmpty ? .allDelivered : .undelivered(pending: outbox.count)
    }
}
