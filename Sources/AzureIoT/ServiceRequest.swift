import HTTP1
import Wire

/// A request to DPS or a hub held as text, with its endpoint: what provisioning sends.
public struct ServiceRequest: Equatable, Sendable {
    public var endpoint: Endpoint
    public var request: HTTPRequest

    public init(endpoint: Endpoint, method: HTTPMethod, target: String, headers: [HTTPHeader], body: [UInt8]) {
        self.endpoint = endpoint
        request = HTTPRequest(method: method, target: target, headers: headers, body: body)
    }

    public var method: HTTPMethod { request.method }
    public var target: String { request.target }
    public var headers: [HTTPHeader] { request.headers }
    public var body: [UInt8] { request.body }
    public var bodyText: String { String(decoding: request.body, as: UTF8.self) }
}

extension HTTPTransport {
    /// Sends a DPS or hub request to its endpoint.
    public mutating func send(_ request: ServiceRequest) throws(Failure) -> HTTPResponse {
        try send(host: request.endpoint.host, port: request.endpoint.port, request.request)
    }
}
