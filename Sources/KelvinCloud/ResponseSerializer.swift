import NIOHTTP1

/// Writes a ``CloudResponse`` as HTTP/1.1 bytes.
///
/// The emulator serializes responses itself rather than through NIO's encoder because the faults
/// it injects (a response cut off mid-body, one trickled a few bytes at a time) act on the bytes.
enum ResponseSerializer {
    struct Serialized {
        var bytes: [UInt8]
        /// Where the head ends and the body (or its first chunk header) begins.
        var headLength: Int
    }

    static func serialize(_ response: CloudResponse, date: String, keepAlive: Bool) -> Serialized {
        let reason = HTTPResponseStatus(statusCode: response.status).reasonPhrase
        var head = "HTTP/1.1 \(response.status) \(reason)\r\nDate: \(date)\r\n"
        for header in response.headers {
            head += "\(header.name): \(header.value)\r\n"
        }
        switch response.framing {
        case .contentLength:
            head += "Content-Length: \(response.body.count)\r\n"
        case .chunked:
            head += "Transfer-Encoding: chunked\r\n"
        }
        if !keepAlive {
            head += "Connection: close\r\n"
        }
        head += "\r\n"

        var bytes = Array(head.utf8)
        let headLength = bytes.count
        switch response.framing {
        case .contentLength:
            bytes += response.body
        case .chunked:
            if !response.body.isEmpty {
                bytes += Array("\(String(response.body.count, radix: 16))\r\n".utf8)
                bytes += response.body
                bytes += Array("\r\n".utf8)
            }
            bytes += Array("0\r\n\r\n".utf8)
        }
        return Serialized(bytes: bytes, headLength: headLength)
    }

    /// Bytes that no HTTP parser accepts as a status line.
    static let garbage = Array("\u{1}\u{2}NOT HTTP \u{7F}\u{0}garbage\r\n\r\n".utf8)
}
