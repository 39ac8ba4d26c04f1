import Wire

/// The `CONNECT` exchange that opens a tunnel through an HTTP proxy (RFC 9110 §9.3.6), without I/O.
public enum ProxyConnect {
    /// `host:port` as a CONNECT target and its `Host` header: always with the port, IPv6 literals
    /// in brackets (RFC 9112 §3.2.3).
    public static func authority(host: String, port: UInt16) -> String {
        HostHeader.literal(host) + ":" + ASCII.decimalString(Int(port))
    }

    /// Writes `CONNECT host:port HTTP/1.1`, `Host`, and `Proxy-Authorization` when there are
    /// credentials.
    /// - Throws: `HTTPEncodeError.invalidHeader` for a host or authorization that would break the
    ///   framing, `.capacityExceeded` when the buffer is too small.
    public static func encodeRequest(host: String, port: UInt16, authorization: String?, into writer: inout ByteWriter) throws(HTTPEncodeError) {
        for byte in host.utf8 where byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "@") {
            throw .invalidHeader(name: "Host")
        }
        let target = authority(host: host, port: port)
        writer.reset()
        writer.append("CONNECT ")
        writer.append(target)
        writer.append(" HTTP/1.1\r\nHost: ")
        writer.append(target)
        writer.append("\r\n")
        if let authorization {
            guard HTTPRequestEncoder.isFieldValue(authorization) else { throw .invalidHeader(name: "Proxy-Authorization") }
            writer.append("Proxy-Authorization: ")
            writer.append(authorization)
            writer.append("\r\n")
        }
        writer.append("\r\n")
        do {
            try writer.finish()
        } catch {
            throw .capacityExceeded(capacity: writer.capacity)
        }
    }
}

/// Reads a proxy's answer to `CONNECT` without taking a byte past its head.
///
/// After a 2xx the connection is the tunnel (a 2xx to CONNECT has no content), so whatever
/// follows the head belongs to TLS. The reader says how much may be read next
/// (`nextReadLength`: at most the bytes still missing from a `\r\n\r\n`), so a caller reading
/// from a socket can never swallow the start of the tunnel — curl reads one byte at a time for the
/// same reason; this needs a quarter of the reads.
public struct ConnectResponseReader {
    public enum Outcome: Equatable {
        case needMoreData
        /// The tunnel is open; the next byte on the connection is the server's.
        case established
        /// The proxy answered with a status other than 2xx; `reason` is its reason phrase, cut to
        /// printable ASCII.
        case refused(status: Int, reason: String)
    }

    public let maximumHeadLength: Int
    private var head: [UInt8] = []
    private var parser: HTTPResponseParser

    public init(maximumHeadLength: Int = 8 * 1024) {
        self.maximumHeadLength = maximumHeadLength
        parser = HTTPResponseParser(limits: .init(maximumHeadLength: maximumHeadLength, maximumBodyLength: 0))
        parser.expectResponse(bodyExpected: false)
        head.reserveCapacity(256)
    }

    /// How many bytes the next `receive` may take: 4 minus the part of `\r\n\r\n` the head
    /// already ends with.
    public var nextReadLength: Int {
        for matched in stride(from: 3, through: 1, by: -1) where head.count >= matched {
            var ends = true
            for offset in 0..<matched where head[head.count - matched + offset] != Self.terminator[offset] {
                ends = false
                break
            }
            if ends { return 4 - matched }
        }
        return 4
    }

    /// Consumes the next bytes of the answer: at most `nextReadLength` of them.
    /// - Throws: `HTTPParseError` when the answer is not an HTTP/1.x response head within
    ///   `maximumHeadLength`.
    public mutating func receive(_ bytes: some Collection<UInt8>) throws(HTTPParseError) -> Outcome {
        precondition(bytes.count <= nextReadLength, "read past the CONNECT response head")
        head.append(contentsOf: bytes)
        // Before the terminator is looked for: a head whose last read both crosses the limit and
        // ends it is as much too large as one that crosses it earlier.
        if head.count > maximumHeadLength { throw .headTooLarge(limit: maximumHeadLength) }
        guard head.count >= 4, head[(head.count - 4)...].elementsEqual(Self.terminator) else {
            return .needMoreData
        }
        let outcome = try parser.receive(head)
        guard case .complete(let response) = outcome else {
            // An interim 1xx response; the real one follows.
            head.removeAll(keepingCapacity: true)
            return .needMoreData
        }
        if response.status >= 200 && response.status < 300 { return .established }
        return .refused(status: response.status, reason: reasonPhrase())
    }

    /// What it means that the proxy closed the connection now, before a whole head arrived:
    /// `.closedBeforeResponse` when nothing came, `.truncated` otherwise.
    public var endOfStreamError: HTTPParseError {
        head.isEmpty ? .closedBeforeResponse : .truncated
    }

    /// The reason phrase of the status line ("HTTP/1.1 407 Proxy Authentication Required"), only
    /// printable ASCII and at most 80 bytes, as it ends up in a log line.
    private func reasonPhrase() -> String {
        var phrase: [UInt8] = []
        // "HTTP/1.1 407" is 12 bytes; a reason, if any, follows one space.
        var index = head.count > 12 && head[12] == 0x20 ? 13 : 12
        while index < head.count, head[index] != 0x0D, phrase.count < 80 {
            let byte = head[index]
            phrase.append(byte >= 0x20 && byte < 0x7F ? byte : UInt8(ascii: "?"))
            index += 1
        }
        return String(decoding: phrase, as: UTF8.self)
    }

    private static let terminator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
}
