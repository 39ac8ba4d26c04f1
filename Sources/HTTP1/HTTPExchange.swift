/// What a non-blocking exchange waits for before it can go on: one descriptor becoming readable
/// or writable, by a deadline on the monotonic clock.
///
/// The caller's event loop owns the wait (`poll(2)` with the descriptor among its others), so a
/// slow server, a stalled name lookup or a long handshake never delays anything else it owes: a
/// watchdog ping, a reading that falls due, a signal.
public struct ExchangeWait: Equatable, Sendable {
    public var descriptor: Int32
    public var forWriting: Bool
    /// Monotonic milliseconds by which this step must be done; resuming after it fails the
    /// exchange with a timeout naming the step.
    public var deadlineMilliseconds: Int64

    public init(descriptor: Int32, forWriting: Bool, deadlineMilliseconds: Int64) {
        self.descriptor = descriptor
        self.forWriting = forWriting
        self.deadlineMilliseconds = deadlineMilliseconds
    }
}

/// Where one request stands after a step of a non-blocking transport.
public enum ExchangeProgress<Failure: Error> {
    /// Not done: resume once `wait` is satisfied or its deadline has passed.
    case waiting(ExchangeWait)
    case completed(HTTPResponse)
    case failed(Failure)
}

/// Sends one request at a time without ever blocking: each call does what can be done now and
/// says what it waits for. The seam between the device runtime's event loop and the network, so
/// the loop runs over TLS sockets or a scripted fake alike.
public protocol NonBlockingHTTPTransport {
    associatedtype Failure: Error & CustomStringConvertible

    /// Starts sending `request` to `host:port` (resolving, connecting and handshaking first when
    /// no kept-alive connection is open). Never blocks.
    mutating func begin<Request: HTTPRequestSource>(
        host: String, port: UInt16, _ request: Request, nowMilliseconds: Int64
    ) -> ExchangeProgress<Failure>

    /// Goes on with the exchange in progress after its descriptor became ready or its deadline
    /// passed. Never blocks.
    mutating func resume(nowMilliseconds: Int64) -> ExchangeProgress<Failure>

    /// Abandons the exchange in progress, closing its connection (a stop, or a send the caller
    /// no longer wants). Does nothing when none is in progress.
    mutating func cancel()

    /// True when trying again later may succeed with nothing changed (a refused or dropped
    /// connection), false when a person has to fix something (an untrusted certificate).
    static func isTransient(_ failure: Failure) -> Bool
}
