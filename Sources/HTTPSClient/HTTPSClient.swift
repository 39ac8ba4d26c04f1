import HTTP1

/// Keeps one HTTPS connection per host and port, so DPS and the hub each cost one handshake.
/// A host gets the proxy of `proxySettings` unless its `no_proxy` list names it.
public final class HTTPSClient {
    private let context: TLSContext
    private let timeouts: HTTPSConnection.Timeouts
    private let proxySettings: ProxySettings
    private var connections: [HTTPSConnection] = []

    public init(context: TLSContext, timeouts: HTTPSConnection.Timeouts = .init(), proxySettings: ProxySettings = .direct) {
        self.context = context
        self.timeouts = timeouts
        self.proxySettings = proxySettings
    }

    public func send<Request: HTTPRequestSource>(host: String, port: UInt16, _ request: Request) throws(HTTPSError) -> HTTPResponse {
        try connection(host: host, port: port).send(request)
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
