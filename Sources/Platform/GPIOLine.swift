import CGPIOD
import Sensors

/// A GPIO line held as an output (a status LED, a sensor's power), released when the value ends.
/// Active is high: the request sets no active-low flag.
public struct OutputLine: ~Copyable {
    public let location: GPIOLineLocation
    private let handle: OpaquePointer

    /// Requests the line as an output, driven to `active` from the start so that it does not
    /// glitch. `consumer` is what `gpioinfo` shows as its holder. The corresponding C function is
    /// `gpiod_line_request_output` (libgpiod v1) or `gpiod_chip_request_lines` (v2).
    /// - Throws: `GPIOError.busy` when another holder has it, `.permissionDenied`, `.failed`.
    public init(_ location: GPIOLineLocation, consumer: String = "kelvin", active: Bool = false) throws(GPIOError) {
        var handle: OpaquePointer?
        let result = cgpiod_request_output(location.chip.path, location.offset, consumer, active ? 1 : 0, &handle)
        guard result >= 0, let handle else {
            throw GPIOError.from(Errno(rawValue: -result), operation: "requesting", subject: location.description, chipPath: location.chip.path)
        }
        self.location = location
        self.handle = handle
    }

    /// Drives the line. The corresponding C function is `gpiod_line_set_value` (v1) or
    /// `gpiod_line_request_set_value` (v2).
    /// - Throws: `GPIOError.failed` with the errno.
    public func set(active: Bool) throws(GPIOError) {
        let result = cgpiod_set_value(handle, active ? 1 : 0)
        guard result >= 0 else {
            throw GPIOError.from(Errno(rawValue: -result), operation: "setting", subject: location.description, chipPath: location.chip.path)
        }
    }

    deinit { cgpiod_release(handle) }
}

/// A GPIO line held as an input that reports its edges with the kernel's timestamps, released
/// when the value ends.
public struct EventLine: ~Copyable {
    /// Which level changes to report.
    public enum Edges: Equatable, Sendable {
        case rising
        case both
    }

    public let location: GPIOLineLocation
    private let handle: OpaquePointer

    /// Requests the line as an input with edge events. With libgpiod v1 the kernel queues at
    /// most 16 events and drops the rest unseen; v2 asks for 256 (sensor-facts.md §5.3).
    /// The corresponding C function is `gpiod_line_request_both_edges_events` /
    /// `gpiod_line_request_rising_edge_events` (v1) or `gpiod_chip_request_lines` (v2).
    /// - Throws: `GPIOError.busy` when another holder has it, `.permissionDenied`, `.failed`.
    public init(_ location: GPIOLineLocation, consumer: String = "kelvin", edges: Edges = .both) throws(GPIOError) {
        var handle: OpaquePointer?
        let result = cgpiod_request_events(location.chip.path, location.offset, consumer, edges == .both ? 1 : 0, &handle)
        guard result >= 0, let handle else {
            throw GPIOError.from(Errno(rawValue: -result), operation: "requesting", subject: location.description, chipPath: location.chip.path)
        }
        self.location = location
        self.handle = handle
    }

    /// The next edge, or nil when none came within `timeoutMilliseconds`. The corresponding C
    /// functions are `gpiod_line_event_wait` and `gpiod_line_event_read` (v1), or
    /// `gpiod_line_request_wait_edge_events` and `gpiod_line_request_read_edge_events` (v2).
    /// - Throws: `GPIOError.failed` with the errno.
    public func wait(timeoutMilliseconds: Int) throws(GPIOError) -> GPIOEdge? {
        let ready = cgpiod_wait_event(handle, Int64(max(timeoutMilliseconds, 0)) * 1_000_000)
        guard ready >= 0 else { throw failure(ready, "waiting for an edge on") }
        guard ready == 1 else { return nil }
        var nanoseconds: Int64 = 0
        var rising: Int32 = 0
        let read = cgpiod_read_event(handle, &nanoseconds, &rising)
        guard read >= 0 else { throw failure(read, "reading an edge of") }
        return GPIOEdge(nanoseconds: nanoseconds, isRising: rising != 0)
    }

    /// The descriptor that becomes readable when an edge is pending, for an event loop's poll.
    /// Once it is readable, call ``readPendingEdge()`` until it answers nil: with libgpiod v2 the
    /// edges come from the kernel in batches, and those still in the batch no longer show on the
    /// descriptor. The corresponding C function is `gpiod_line_event_get_fd` (v1) or
    /// `gpiod_line_request_get_fd` (v2); -1 should the library have none (it always does).
    public var descriptor: Int32 {
        let result = cgpiod_event_descriptor(handle)
        return result < 0 ? -1 : result
    }

    /// Reads one pending edge without blocking; nil when none is pending. The corresponding C
    /// functions are `gpiod_line_event_wait` with a zero timeout and `gpiod_line_event_read`
    /// (v1), or `gpiod_line_request_wait_edge_events` with a zero timeout and
    /// `gpiod_line_request_read_edge_events` (v2).
    /// - Throws: `GPIOError.failed` with the errno.
    public func readPendingEdge() throws(GPIOError) -> GPIOEdge? {
        var nanoseconds: Int64 = 0
        var rising: Int32 = 0
        let result = cgpiod_read_pending_event(handle, &nanoseconds, &rising)
        guard result >= 0 else { throw failure(result, "reading an edge of") }
        guard result == 1 else { return nil }
        return GPIOEdge(nanoseconds: nanoseconds, isRising: rising != 0)
    }

    private func failure(_ result: Int32, _ operation: String) -> GPIOError {
        GPIOError.from(Errno(rawValue: -result), operation: operation, subject: location.description, chipPath: location.chip.path)
    }

    deinit { cgpiod_release(handle) }
}
