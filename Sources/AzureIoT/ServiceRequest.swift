import HTTP1
import Wire

/// A request to DPS or a hub, ready for an HTTP client: which endpoint, method, target, headers
/// and body.
public struct ServiceRequest: Equatable, Sendable {
    public var endpoint: Endpoint
    public var method: HTTPMethod
    public var target: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(endpoint: Endpoint, method: HTTPMethod, target: String, headers: [HTTPHeader], body: [UInt8]) {
        self.endpoint = endpoint
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

extension HTTPTransport {
    /// Sends a DPS or hub request to its endpoint.
    public mutating func send(_ request: ServiceRequest) throws(Failure) -> HTTPResponse {
        try send(
            host: request.endpoint.host, port: request.endpoint.port, method: request.method,
            target: request.target, headers: request.headers, body: request.body
        )
    }
}
