import Agent
import AzureIoT
import DeviceRuntime
import HTTP1
import Sensors
import Wire

/// Virtual time shared by the fakes: it moves only when the loop waits.
final class VirtualTime {
    var now: Int64 = 0
    var wallClock: Int64 { 1_800_000_000_000 + now }
}

/// What one request does on the fake network.
enum FakeExchange {
    /// The descriptor becomes ready after `afterMilliseconds` and the answer is `response`.
    case answer(HTTPResponse, afterMilliseconds: Int64)
    /// Nothing ever arrives; resuming past `deadlineAfterMilliseconds` fails as `failure` does.
    case stall(deadlineAfterMilliseconds: Int64, failure: FakeFailure)
}

struct FakeFailure: Error, CustomStringConvertible, Equatable {
    var description: String
    var transient = true
}

/// The network side of the fakes: which exchange is in flight and when its descriptor is ready.
final class FakeNetwork {
    static let descriptor: Int32 = 100
    var script: [FakeExchange]
    var current: FakeExchange?
    var startedAt: Int64 = 0
    var begun: [String] = []
    var resumedAt: [Int64] = []
    var cancelled = 0

    init(script: [FakeExchange]) { self.script = script }

    /// When the exchange in flight has its answer; nil while none is coming.
    var readyAt: Int64? {
        guard case .answer(_, let after)? = current else { return nil }
        return startedAt + after
    }
}

struct FakeTransport: NonBlockingHTTPTransport {
    let network: FakeNetwork
    let time: VirtualTime

    mutating func begin<Request: HTTPRequestSource>(
        host: String, port: UInt16, _ request: Request, nowMilliseconds: Int64
    ) -> ExchangeProgress<FakeFailure> {
        var target = ByteWriter(capacity: 256)
        request.writeTarget(to: &target)
        network.begun.append(host + String(decoding: target.bytes, as: UTF8.self).split(separator: "?")[0])
        guard !network.script.isEmpty else { return .failed(FakeFailure(description: "no more script", transient: false)) }
        network.current = network.script.removeFirst()
        network.startedAt = nowMilliseconds
        return progress(nowMilliseconds: nowMilliseconds)
    }

    mutating func resume(nowMilliseconds: Int64) -> ExchangeProgress<FakeFailure> {
        network.resumedAt.append(nowMilliseconds)
        return progress(nowMilliseconds: nowMilliseconds)
    }

    mutating func cancel() {
        network.cancelled += 1
        network.current = nil
    }

    static func isTransient(_ failure: FakeFailure) -> Bool { failure.transient }

    private func progress(nowMilliseconds now: Int64) -> ExchangeProgress<FakeFailure> {
        switch network.current {
        case .answer(let response, let after)?:
            guard now >= network.startedAt + after else {
                return .waiting(ExchangeWait(descriptor: FakeNetwork.descriptor, forWriting: false, deadlineMilliseconds: network.startedAt + 60_000))
            }
            network.current = nil
            return .completed(response)
        case .stall(let deadlineAfter, let failure)?:
            let deadline = network.startedAt + deadlineAfter
            guard now >= deadline else {
                return .waiting(ExchangeWait(descriptor: FakeNetwork.descriptor, forWriting: true, deadlineMilliseconds: deadline))
            }
            network.current = nil
            return .failed(failure)
        case nil:
            return .failed(FakeFailure(description: "nothing in flight", transient: false))
        }
    }
}

/// Waits in virtual time: jumps to the earliest of the deadline, the exchange's answer and the
/// next scripted signal or alert edge.
struct FakeWaiter: EventWaiter {
    let time: VirtualTime
    let network: FakeNetwork
    let events: ScriptedEvents
    /// When each wait ended.
    private(set) var wokeAt: [Int64] = []

    var nowMilliseconds: Int64 { time.now }
    var wallClockMilliseconds: Int64 { time.wallClock }

    mutating func wait(_ watched: WatchedDescriptors, untilMilliseconds deadline: Int64?) -> Wakeup {
        var until = deadline
        func earliest(_ candidate: Int64?) {
            guard let candidate else { return }
            until = min(until ?? candidate, candidate)
        }
        if watched.exchange != nil { earliest(network.readyAt) }
        earliest(events.nextSignalAt)
        if watched.alert != nil { earliest(events.nextAlertAt) }
        guard let until else { fatalError("the loop waited with nothing that could wake it") }
        time.now = max(time.now, until)
        wokeAt.append(time.now)
        var wakeup: Wakeup = []
        if watched.exchange != nil, let ready = network.readyAt, ready <= time.now { wakeup.insert(.exchange) }
        if let signal = events.nextSignalAt, signal <= time.now { wakeup.insert(.signals) }
        if watched.alert != nil, let alert = events.nextAlertAt, alert <= time.now { wakeup.insert(.alert) }
        return wakeup
    }
}

/// Signals and alert edges at set times.
final class ScriptedEvents {
    var terminationAt: Int64?
    var alertsAt: [Int64] = []
    var nextSignalAt: Int64? { terminationAt }
    var nextAlertAt: Int64? { alertsAt.first }
}

/// Records what the loop tells the outside world.
struct RecordingShell: AgentShell {
    typealias Transport = FakeTransport

    let time: VirtualTime
    let events: ScriptedEvents
    var hasAlertLine = false
    var notifications: [(at: Int64, text: String)] = []
    var reports: [(at: Int64, line: String)] = []
    var saved: [SavedAssignment] = []

    var signalDescriptor: Int32? { 3 }
    var alertDescriptor: Int32? { hasAlertLine ? 4 : nil }
    var ledPattern: StatusLEDPattern? { nil }

    mutating func takeSignals() -> ReceivedSignals {
        guard let at = events.terminationAt, at <= time.now else { return ReceivedSignals() }
        return ReceivedSignals(termination: true)
    }

    mutating func takeAlert() -> Bool {
        guard let at = events.alertsAt.first, at <= time.now else { return false }
        events.alertsAt.removeFirst()
        return true
    }

    mutating func refreshLED(nowMilliseconds: Int64) {}

    mutating func notify(_ notification: SystemdNotification) {
        notifications.append((time.now, notification.text))
    }

    mutating func save(_ saved: SavedAssignment) { self.saved.append(saved) }

    mutating func report(_ event: TelemetryEvent, delivered: ArraySlice<Reading>, queued: Int, nowMilliseconds: Int64) {
        switch event {
        case .queued(let reading): reports.append((nowMilliseconds, "queued \(reading.sequence)"))
        case .delivered(let count, _, _): reports.append((nowMilliseconds, "delivered \(count)"))
        case .retrying(let failure, let delay, _): reports.append((nowMilliseconds, "retrying in \(delay): \(failure)"))
        default: reports.append((nowMilliseconds, "\(event)"))
        }
    }

    mutating func reload() -> AgentReload<FakeTransport>? { nil }

    var pings: [Int64] { notifications.filter { $0.text == "WATCHDOG=1" }.map(\.at) }
}

/// A sensor that answers at once and remembers when it was read.
struct TimedSensor: ReadingSource {
    let time: VirtualTime
    final class Log { var readAt: [Int64] = [] }
    let log = Log()

    mutating func read(sequence: Int, takenAtMilliseconds: Int64) throws(SensorError) -> Reading? {
        log.readAt.append(time.now)
        return Reading(temperature: Millidegrees(Int32(20_000 + sequence)), temperatureFractionDigits: 3, takenAtMilliseconds: takenAtMilliseconds, sequence: sequence)
    }
}
