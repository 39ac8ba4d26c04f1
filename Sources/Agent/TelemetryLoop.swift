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

    /// Where a run of the loop stands, so that a loop stopped for a reload carries on where it
    /// was: the same slots left, the same numbering, the same schedule.
    public struct Position: Equatable, Sendable {
        /// Sampling slots to run, then stop once their readings are delivered (a slot whose read
        /// failed counts, so a dead sensor cannot keep a bounded run going); 0 runs until
        /// stopped.
        public var count: Int
        /// Slots run so far.
        public var taken = 0
        /// The next reading's number.
        public var nextSequence: Int
        /// The monotonic time the next reading is due; nil: at once.
        public var nextReadingAt: Int64?
        /// Readings queued with a monotonic stamp (see ``ReadingTime``), to be given their
        /// times once the clock is set.
        public var awaitingClock = 0
        /// Whether the loop has said that the clock is not set.
        public var saidClockUnset = false

        /// - Parameter firstSequence: the first reading's number, so that a second run in one
        ///   process, or a spool from an earlier one, does not see a message ID again.
        public init(count: Int, firstSequence: Int = 1) {
            self.count = count
            self.nextSequence = firstSequence
        }

        var samplingDone: Bool { count > 0 && taken >= count }

        /// Puts the next reading on a new interval's schedule, as if one had just been taken
        /// (the interval was changed by a reload).
        public mutating func reschedule(intervalMilliseconds: Int64, nowMilliseconds: Int64, wallClockMilliseconds: Int64) {
            let next = ReadingSchedule.next(
                dueAt: nowMilliseconds, startedAt: nowMilliseconds, wallClockMilliseconds: wallClockMilliseconds, intervalMilliseconds: intervalMilliseconds
            )
            nextReadingAt = min(nextReadingAt ?? next, next)
        }
    }

    /// Runs ``run(source:uplink:outbox:position:intervalMilliseconds:transport:clock:shouldStop:readingRequested:report:)``
    /// from the start.
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
        var position = Position(count: count, firstSequence: firstSequence)
        return try run(
            source: &source, uplink: &uplink, outbox: &outbox, position: &position, intervalMilliseconds: intervalMilliseconds,
            transport: &transport, clock: clock, shouldStop: shouldStop, readingRequested: readingRequested, report: report
        )
    }

    /// - Parameters:
    ///   - position: where the loop starts, and on return where it stopped.
    ///   - shouldStop: asked each time round; true ends the loop with what is pending.
    ///   - readingRequested: asked each time round; true takes the next reading now (an alert
    ///     input fired) and restarts the schedule from it.
    public static func run<Source: ReadingSource, Store: AssignmentStore, Random: RandomSource, Transport: HTTPTransport, Clock: AgentClock>(
        source: inout Source,
        uplink: inout TelemetryUplink<Store, Random>,
        outbox: inout Outbox,
        position: inout Position,
        intervalMilliseconds: Int64,
        transport: inout Transport,
        clock: Clock,
        shouldStop: () -> Bool = { false },
        readingRequested: () -> Bool = { false },
        report: (UplinkEvent) -> Void
    ) throws(Transport.Failure) -> Outcome {
        while !shouldStop() {
            let sampling = !position.samplingDone
            if sampling && readingRequested() { position.nextReadingAt = nil }
            if sampling && clock.nowMilliseconds >= position.nextReadingAt ?? .min {
                takeReading(from: &source, into: &outbox, position: &position, intervalMilliseconds: intervalMilliseconds, clock: clock, report: report)
            }
            giveTimes(to: &outbox, position: &position, clock: clock, report: report)
            try uplink.service(&outbox, transport: &transport, clock: clock, report: report)
            let samplingDone = position.samplingDone
            if samplingDone && outbox.isEmpty { return .allDelivered }
            if samplingDone && uplink.isStalled { return .undelivered(pending: outbox.count) }
            var wake = Int64.max
            if !samplingDone { wake = position.nextReadingAt ?? clock.nowMilliseconds }
            if !outbox.isEmpty { wake = min(wake, uplink.nextAttemptAt) }
            let now = clock.nowMilliseconds
            if wake > now { clock.idle(milliseconds: wake - now) }
        }
        return outbox.isEmpty ? .allDelivered : .undelivered(pending: outbox.count)
    }

    private static func takeReading<Source: ReadingSource, Clock: AgentClock>(
        from source: inout Source,
        into outbox: inout Outbox,
        position: inout Position,
        intervalMilliseconds: Int64,
        clock: Clock,
        report: (UplinkEvent) -> Void
    ) {
        // The time the read started, not ended: a slow sensor (a DS18B20 takes 750 ms) must not
        // push the schedule later at every reading.
        let startedAt = clock.nowMilliseconds
        let wallClock = clock.wallClockMilliseconds
        let stamp = ReadingTime.stamp(wallClockMilliseconds: wallClock, monotonicMilliseconds: startedAt)
        position.taken += 1
        do {
            if let reading = try source.read(sequence: position.nextSequence, takenAtMilliseconds: stamp) {
                position.nextSequence += 1
                if ReadingTime.isMonotonic(stamp) {
                    position.awaitingClock += 1
                    if !position.saidClockUnset {
                        position.saidClockUnset = true
                        report(.clockUnset(wallClockMilliseconds: wallClock))
                    }
                }
                let displaced = outbox.append(reading)
                report(.queued(reading))
                if let displaced { report(.displaced(displaced)) }
            }
        } catch {
            report(.sensorFailed(error))
        }
        position.nextReadingAt = ReadingSchedule.next(
            dueAt: position.nextReadingAt ?? startedAt, startedAt: startedAt, wallClockMilliseconds: wallClock, intervalMilliseconds: intervalMilliseconds
        )
    }

    /// Once the clock is set, gives the readings stamped before it their wall-clock times.
    private static func giveTimes<Clock: AgentClock>(to outbox: inout Outbox, position: inout Position, clock: Clock, report: (UplinkEvent) -> Void) {
        guard position.awaitingClock > 0 else { return }
        let wallClock = clock.wallClockMilliseconds
        guard ReadingTime.clockIsSet(wallClockMilliseconds: wallClock) else { return }
        let now = clock.nowMilliseconds
        let restamped = outbox.restamp { ReadingTime.fixedUp($0, wallClockMilliseconds: wallClock, monotonicMilliseconds: now) }
        position.awaitingClock = 0
        position.saidClockUnset = false
        report(.clockSet(wallClockMilliseconds: wallClock, restampedReadings: restamped))
    }
}
