import NIOCore

/// Every open connection by the listener it arrived on, so that the admin API can cut a hub's
/// connections as a change in the network would: a device holding a kept-alive connection would
/// otherwise never meet a hub's new TLS mode or a name that stopped resolving.
final class OpenConnections: Sendable {
    private let byService = Guarded([String: [ObjectIdentifier: Channel]]())

    /// Keeps `channel` until it closes.
    func add(_ channel: Channel, service: String) {
        let id = ObjectIdentifier(channel)
        byService.withLock { $0[service, default: [:]][id] = channel }
        channel.closeFuture.whenComplete { [byService] _ in
            byService.withLock { _ = $0[service]?.removeValue(forKey: id) }
        }
    }

    func count(service: String) -> Int {
        byService.withLock { $0[service]?.count ?? 0 }
    }

    /// Cuts every open connection of `service`: nothing more is processed or answered on it, and
    /// it closes (at once on the event loop, a moment later from another thread). Returns them,
    /// for ``waitUntilClosed(_:)``.
    ///
    /// Cut first, because closing alone is not abrupt: TLS sends close_notify and waits for the
    /// client's, and a request the client wrote meanwhile would still be stored.
    @discardableResult
    func closeAll(service: String) -> [Channel] {
        let open = byService.withLock { Array(($0[service] ?? [:]).values) }
        for channel in open {
            if channel.eventLoop.inEventLoop {
                Self.cut(channel)
            } else {
                channel.eventLoop.execute { Self.cut(channel) }
            }
        }
        return open
    }

    private static func cut(_ channel: Channel) {
        (try? channel.pipeline.syncOperations.handler(type: HTTPExchangeHandler.self))?.cut()
        channel.close(promise: nil)
    }

    /// Blocks until each of `channels` has closed. Never call it on the event loop.
    static func waitUntilClosed(_ channels: [Channel]) {
        for channel in channels {
            try? channel.closeFuture.wait()
        }
    }
}
