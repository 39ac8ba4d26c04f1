import HTTP1
import Platform

/// The device's ``EventWaiter``: one `poll(2)` over the watched descriptors, bounded by the
/// earliest deadline on the monotonic clock.
struct PollingWaiter: EventWaiter {
    private var poller = Poller()
    private let clock = MonotonicClock()

    var nowMilliseconds: Int64 { clock.nowMilliseconds }
    var wallClockMilliseconds: Int64 { clock.wallClockMilliseconds }

    mutating func wait(_ watched: WatchedDescriptors, untilMilliseconds deadline: Int64?) -> Wakeup {
        poller.removeAll()
        let signals = watched.signals.map { poller.watch($0, forWriting: false) }
        let alert = watched.alert.map { poller.watch($0, forWriting: false) }
        let exchange = watched.exchange.map { poller.watch($0.descriptor, forWriting: $0.forWriting) }
        let timeout = deadline.map { max(0, $0 - clock.nowMilliseconds) } ?? -1
        let ready: PollReadiness
        do {
            ready = try poller.wait(timeoutMilliseconds: timeout)
        } catch {
            // poll(2) fails only for a bad descriptor or no memory; a short nap keeps the loop
            // from spinning while whoever owns the descriptor finds out on its next use.
            clock.sleep(milliseconds: min(max(timeout, 0), 100))
            return [.signals, .alert, .exchange]
        }
        var wakeup: Wakeup = []
        if let signals, ready.contains(signals) { wakeup.insert(.signals) }
        if let alert, ready.contains(alert) { wakeup.insert(.alert) }
        if let exchange, ready.contains(exchange) { wakeup.insert(.exchange) }
        return wakeup
    }
}
