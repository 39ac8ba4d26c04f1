import Foundation

/// A value shared between the event loop and the blocking public API, behind one lock.
///
/// A condition variable rather than a plain mutex because tests block in
/// ``CloudServer/waitForTelemetry(count:timeoutSeconds:)`` until the event loop records enough.
final class Guarded<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access and wakes every waiter afterwards, since `body` may have
    /// changed what they wait for.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&value)
    }

    /// Blocks until `isSatisfied` holds or `deadline` passes (never, when `nil`); returns whether
    /// it held.
    func wait(until deadline: Date?, for isSatisfied: (Value) -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !isSatisfied(value) {
            guard let deadline else {
                // Not wait(until: .distantFuture): Foundation on Linux traps converting it to a timespec.
                condition.wait()
                continue
            }
            if !condition.wait(until: deadline) {
                return isSatisfied(value)
            }
        }
        return true
    }
}
