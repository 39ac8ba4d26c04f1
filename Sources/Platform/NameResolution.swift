import CPosix

/// A host name being resolved without blocking: `getaddrinfo` runs on a thread of its own, and
/// ``descriptor`` becomes readable when it is done, so an event loop polls it with everything
/// else and gives up at a deadline of its own by dropping the value.
///
/// `getaddrinfo` itself has no deadline (a DNS server that does not answer holds it for the
/// resolver's timeouts times its attempts, per server). Giving up never blocks: a lookup still
/// running finishes on its thread, which then frees what it shares with this value.
public final class NameResolution {
    /// How a finished lookup went.
    public enum Outcome: Equatable, Sendable {
        /// The addresses, IPv4 and IPv6, in getaddrinfo's order (RFC 6724 preference).
        case resolved([SocketAddress])
        /// getaddrinfo's text for its error ("Name or service not known").
        case failed(reason: String)
    }

    public let host: String
    public let port: UInt16
    private let handle: OpaquePointer

    /// Starts resolving `host` for TCP port `port` and returns at once. IP literals and names in
    /// /etc/hosts (`localhost`) resolve without any DNS server.
    /// The corresponding C functions are `pthread_create` and, on that thread, `getaddrinfo`
    /// (AF_UNSPEC, SOCK_STREAM, AI_ADDRCONFIG).
    /// - Throws: the `Errno` of `eventfd` or `pthread_create` (EMFILE, EAGAIN), ENOMEM, or
    ///   ENAMETOOLONG for a name over 253 bytes.
    public init(host: String, port: UInt16) throws(Errno) {
        var handle: OpaquePointer?
        let result = cposix_resolution_start(host, port, &handle)
        _ = try Errno.check(result)
        guard let handle else { throw Errno(rawValue: 12) } // ENOMEM: the shim promised a handle
        self.host = host
        self.port = port
        self.handle = handle
    }

    deinit {
        cposix_resolution_release(handle)
    }

    /// Becomes readable when the lookup is done; stays readable after (it is never drained), so
    /// a loop resuming on it late still finds it ready.
    public var descriptor: Int32 { cposix_resolution_descriptor(handle) }

    /// The outcome once the lookup is done; nil while it runs.
    public var outcome: Outcome? {
        var gaiError: Int32 = 0
        let count = cposix_resolution_result(handle, &gaiError)
        if count < 0 { return nil }
        guard gaiError == 0 else {
            let reason = cposix_resolution_error_text(gaiError).map { String(cString: $0) } ?? "error \(gaiError)"
            return .failed(reason: reason)
        }
        var addresses: [SocketAddress] = []
        addresses.reserveCapacity(Int(count))
        for index in 0..<count {
            var raw = cposix_socket_address()
            if cposix_resolution_address(handle, index, &raw) == 0 { addresses.append(SocketAddress(raw)) }
        }
        return .resolved(addresses)
    }

    /// Lookups whose memory is still held, over the process: running ones included, even those
    /// given up on. For tests that check nothing leaks.
    public static var outstandingCount: Int { Int(cposix_resolutions_outstanding()) }
}
