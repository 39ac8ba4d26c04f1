import Wire

/// One header of a request or response, as text.
public struct HTTPHeader: Equatable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

public enum HTTPMethod: Sendable {
    case get, put, post

    var token: StaticString {
        switch self {
        case .get: return "GET"
        case .put: return "PUT"
        case .post: return "POST"
        }
    }
}

/// Encodes an HTTP/1.1 request (RFC 9112 §3) into a reused buffer.
public enum HTTPRequestEncoder {
    /// Writes the request line, `Host`, the request's headers, `Content-Length` when there is a
    /// body (or the method carries one), and the body.
    ///
    /// - Parameter bodyScratch: a reused buffer the body is written to first, since its length
    ///   goes in the head.
    /// - Throws: `HTTPEncodeError.invalidHeader` for a name or value that would break the
    ///   framing (CR, LF or a non-token name), `.capacityExceeded` when a buffer is too small.
    public static func encode<Request: HTTPRequestSource>(
        _ request: Request,
        host: String,
        bodyScratch: inout ByteWriter,
        into writer: inout ByteWriter
    ) throws(HTTPEncodeError) {
        bodyScratch.reset()
        request.writeBody(to: &bodyScratch)
        writer.reset()
        writer.append(request.method.token)
        writer.append(UInt8(ascii: " "))
        request.writeTarget(to: &writer)
        writer.append(" HTTP/1.1\r\nHost: ")
        writer.append(host)
        writer.append("\r\n")
        try request.writeHeaderLines(to: &writer)
        if bodyScratch.count > 0 || request.method != .get {
            writer.append("Content-Length: ")
            writer.appendDecimal(bodyScratch.count)
            writer.append("\r\n")
        }
        writer.append("\r\n")
        writer.append(contentsOf: bodyScratch)
        do {
            try bodyScratch.finish()
        } catch {
            throw .capacityExceeded(capacity: bodyScratch.capacity)
        }
        do {
            try writer.finish()
        } catch {
            throw .capacityExceeded(capacity: writer.capacity)
        }
    }

    /// `Name: value\r\n` for each header, refusing anything that would break the framing.
    public static func writeHeaderLines(_ headers: [HTTPHeader], to writer: inout ByteWriter) throws(HTTPEncodeError) {
        for header in headers {
            guard isToken(header.name), isFieldValue(header.value) else { throw .invalidHeader(name: header.name) }
            writer.append(header.name)
            writer.append(": ")
            writer.append(header.value)
            writer.append("\r\n")
        }
    }

    /// The punctuation a token may hold besides ASCII letters and digits (RFC 9110 §5.6.2).
    public static let tokenPunctuation: StaticString = "!#$%&'*+-.^_`|~"

    /// True for a byte a token may hold: what header names are made of, and what IoT Hub allows
    /// in property names and values sent over HTTPS.
    public static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return tokenPunctuation.withUTF8Buffer { $0.contains(byte) }
        }
    }

    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenCharacter)
    }

    static func isFieldValue(_ text: String) -> Bool {
        for byte in text.utf8 where byte == 0x0D || byte == 0x0A || byte == 0 { return false }
        return true
    }
}

public enum HTTPEncodeError: Error, Equatable, CustomStringConvertible {
    case invalidHeader(name: String)
    case capacityExceeded(capacity: Int)

    public var description: String {
        switch self {
        case .invalidHeader(let name): return "header \"\(name)\" has characters HTTP does not allow"
        case .capacityExceeded(let capacity): return "request does not fit in the \(capacity)-byte request buffer"
        }
    }
}
