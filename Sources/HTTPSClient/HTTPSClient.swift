import HTTP1

/// Keeps one HTTPS connection per host and port, so DPS and the hub each cost one handshake.
/// A host gets the proxy of `proxySettings` unless its `no_proxy` list names it.
public final class HTTPSClient {
    private let context: TLSContext
    private let timeouts: HTTPSConnection.Timeouts
    private let proxySettings: ProxySettings
    private var connections: [HTTPSConnection] = []
    /// The connection whose exchange is in progress, between `begin` and its end.
    private var active: HTTPSConnection?

    public init(context: TLSContext, timeouts: HTTPSConnection.Timeouts = .init(), proxySettings: ProxySettings = .direct) {
        self.context = context
        self.timeouts = timeouts
        self.proxySettings = proxySettings
    }

    /// Sends one request and waits for its response, on the host's kept-alive connection: the
    /// same non-blocking exchange as ``begin(host:port:_:nowMilliseconds:)``, driven by a poll
    /// loop of its own.
    public func send<Request: HTTPRequestSource>(host: String, port: UInt16, _ request: Request) throws(HTTPSError) -> HTTPResponse {
        cancel()
        return try connection(host: host, port: port).send(request)
    }

    /// Connections opened so far, over all hosts.
    public var connectionsOpened: Int {
        var total = 0
        for connection in connections { total += connection.connectionsOpened }
        return total
    }

    /// Connections that resumed an earlier TLS session, over all hosts.
    public var connectionsResumed: Int {
        var total = 0
        for connection in connections { total += connection.connectionsResumed }
        return total
    }

    public func closeAll() {
        active = nil
        for connection in connections { connection.close() }
    }

    private func connection(host: String, port: UInt16) -> HTTPSConnection {
        for connection in connections where connection.port == port && connection.host.utf8.elementsEqual(host.utf8) {
            return connection
        }
        let connection = HTTPSConnection(
            host: host, port: port, proxy: proxySettings.proxy(forHost: host, port: port), context: context, timeouts: timeouts
        )
        connections.append(connection)
        return connection
    }
}

extension HTTPSClient: HTTPTransport {
    public static func isTransient(_ failure: HTTPSError) -> Bool { failure.isTransient }
}

extension HTTPSClient: NonBlockingHTTPTransport {
    /// Starts sending `request` on the kept-alive connection to `host:port` (one per host and
    /// port), opening it first when there is none. One exchange at a time: one still in progress
    /// is abandoned first, as ``cancel()`` does. Never blocks.
    public func begin<Request: HTTPRequestSource>(host: String, port: UInt16, _ request: Request, nowMilliseconds: Int64) -> ExchangeProgress<HTTPSError> {
        cancel()
        let connection = connection(host: host, port: port)
        let progress = connection.begin(request, nowMilliseconds: nowMilliseconds)
        if case .waiting = progress { active = connection }
        return progress
    }

    /// Goes on with the exchange in progress. Never blocks; calling it with none in progress is
    /// a programming error.
    public func resume(nowMilliseconds: Int64) -> ExchangeProgress<HTTPSError> {
        guard let connection = active else { preconditionFailure("resume(nowMilliseconds:) without an exchange in progress") }
        let progress = connection.resume(nowMilliseconds: nowMilliseconds)
        if case .waiting = progress { return progress }
        active = nil
        return progress
    }

    /// Abandons the exchange in progress and closes its connection (the next request to that
    /// host opens a new one, resuming the TLS session). Does nothing when none is in progress.
    public func cancel() {
        active?.cancel()
        active = nil
    }
}
