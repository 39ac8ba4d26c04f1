import Wire

/// A complete HTTP/1.1 response: status, headers in arrival order, decoded body.
public struct HTTPResponse: Equatable, Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// False when the server asked to close (`Connection: close`) or delimited the body by closing.
    public var keepAlive: Bool

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = [], keepAlive: Bool = true) {
        self.status = status
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }

    /// The first header named `name`, compared without case (RFC 9110 §5.1).
    public func header(_ name: StaticString) -> String? {
        for header in headers where ASCII.equalsIgnoringCase(header.name.utf8, name) {
            return header.value
        }
        return nil
    }

    /// `Retry-After` as delay-seconds (RFC 9110 §10.2.3); nil when absent or not a number. The
    /// HTTP-date form is not used by Azure's services and is treated as absent.
    public var retryAfterSeconds: Int? {
        guard let value = header("Retry-After") else { return nil }
        let trimmed = value.utf8.drop { $0 == 0x20 }
        guard let seconds = ASCII.parseDecimal(ArraySlice(trimmed)), seconds >= 0 else { return nil }
        return seconds
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
