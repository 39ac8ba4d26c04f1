import Wire

/// A request that writes itself into a connection's reused buffers, so sending it allocates
/// nothing: telemetry encodes its reading straight into the bytes that go on the wire.
public protocol HTTPRequestSource {
    var method: HTTPMethod { get }
    /// The origin-form target, `/path?query`.
    func writeTarget(to writer: inout ByteWriter)
    /// `Name: value\r\n` lines for every header but `Host` and `Content-Length`, which the
    /// encoder adds.
    ///
    /// - Throws: `HTTPEncodeError.invalidHeader` for a name or value that would break framing.
    func writeHeaderLines(to writer: inout ByteWriter) throws(HTTPEncodeError)
    func writeBody(to writer: inout ByteWriter)
}

/// A request held as text: what provisioning sends, a few times per device lifetime.
public struct HTTPRequest: HTTPRequestSource, Equatable, Sendable {
    public var method: HTTPMethod
    public var target: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(method: HTTPMethod, target: String, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    public func writeTarget(to writer: inout ByteWriter) {
        writer.append(target)
    }

    public func writeHeaderLines(to writer: inout ByteWriter) throws(HTTPEncodeError) {
        try HTTPRequestEncoder.writeHeaderLines(headers, to: &writer)
    }

    public func writeBody(to writer: inout ByteWriter) {
        writer.append(contentsOf: body)
    }
}

extension HTTPTransport {
    /// Sends a request given as text.
    public mutating func send(
        host: String,
        port: UInt16,
        method: HTTPMethod,
        target: String,
        headers: [HTTPHeader] = [],
        body: [UInt8] = []
    ) throws(Failure) -> HTTPResponse {
        try send(host: host, port: port, HTTPRequest(method: method, target: target, headers: headers, body: body))
    }
}
