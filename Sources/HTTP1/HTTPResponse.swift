import Wire

/// A complete HTTP/1.1 response: status, header fields in arrival order, decoded body.
///
/// The fields are kept as the bytes they arrived as, with offsets, so that a parser can reuse
/// one response's storage for the next: a steady stream of responses costs no allocation.
/// Text is made only when a caller asks for it (``header(_:)``, ``headers``).
public struct HTTPResponse: Equatable, Sendable {
    public var status: Int
    public var body: [UInt8]
    /// False when the server asked to close (`Connection: close`) or delimited the body by closing.
    public var keepAlive: Bool
    /// Every field's name and value, back to back.
    private(set) var fieldBytes: [UInt8]
    private(set) var fields: [FieldSpan]

    /// Where one field's name and value lie in ``fieldBytes``.
    struct FieldSpan: Equatable, Sendable {
        var nameStart: Int32
        var valueStart: Int32
        var valueEnd: Int32
    }

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = [], keepAlive: Bool = true) {
        self.status = status
        self.body = body
        self.keepAlive = keepAlive
        fieldBytes = []
        fields = []
        for header in headers {
            appendField(name: Array(header.name.utf8)[...], value: Array(header.value.utf8)[...])
        }
    }

    /// Empties the response for reuse, keeping its storage.
    mutating func reset() {
        status = 0
        keepAlive = true
        body.removeAll(keepingCapacity: true)
        fieldBytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
    }

    mutating func appendField(name: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
        let nameStart = Int32(fieldBytes.count)
        fieldBytes.append(contentsOf: name)
        let valueStart = Int32(fieldBytes.count)
        fieldBytes.append(contentsOf: value)
        fields.append(FieldSpan(nameStart: nameStart, valueStart: valueStart, valueEnd: Int32(fieldBytes.count)))
    }

    func name(of field: FieldSpan) -> ArraySlice<UInt8> {
        fieldBytes[Int(field.nameStart)..<Int(field.valueStart)]
    }

    func value(of field: FieldSpan) -> ArraySlice<UInt8> {
        fieldBytes[Int(field.valueStart)..<Int(field.valueEnd)]
    }

    /// The first value of the field `name`, compared without case (RFC 9110 §5.1), as bytes.
    public func headerBytes(_ name: StaticString) -> ArraySlice<UInt8>? {
        for field in fields where ASCII.equalsIgnoringCase(self.name(of: field), name) {
            return value(of: field)
        }
        return nil
    }

    /// The first header named `name`, compared without case (RFC 9110 §5.1).
    public func header(_ name: StaticString) -> String? {
        headerBytes(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every header as text, in arrival order.
    public var headers: [HTTPHeader] {
        fields.map { field in
            HTTPHeader(String(decoding: name(of: field), as: UTF8.self), String(decoding: value(of: field), as: UTF8.self))
        }
    }

    /// `Retry-After` as delay-seconds (RFC 9110 §10.2.3); nil when absent or unreadable. The
    /// HTTP-date form needs the current time: use ``retryAfterSeconds(now:)``.
    public var retryAfterSeconds: Int? {
        guard let value = headerBytes("Retry-After") else { return nil }
        return RetryAfter.seconds(value, now: nil)
    }

    /// `Retry-After` as seconds from `now` (seconds since 1970), whether the server sent
    /// delay-seconds or an HTTP-date; a date in the past is 0.
    public func retryAfterSeconds(now: Int64) -> Int? {
        guard let value = headerBytes("Retry-After") else { return nil }
        return RetryAfter.seconds(value, now: now)
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.keepAlive == rhs.keepAlive && lhs.body == rhs.body && lhs.headers == rhs.headers
    }
}
