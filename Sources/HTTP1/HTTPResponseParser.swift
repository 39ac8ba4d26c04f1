import Wire

/// An incremental HTTP/1.1 response parser (RFC 9112 §4–§7) that never does I/O.
///
/// Feed it bytes as they arrive in any split; it answers `.needMoreData` until a whole response
/// is in, then `.complete`. Bytes past the response stay buffered, and ``bytesPastResponse``
/// counts them: a client that sends one request at a time must treat any as a broken
/// connection (a desynchronised or hostile peer) and close it, never read them as the next
/// answer. Sizes are bounded: a head over `maximumHeadLength` or a body over
/// `maximumBodyLength` is an error, not an allocation.
public struct HTTPResponseParser {
    public enum Outcome: Equatable {
        case needMoreData
        case complete(HTTPResponse)
    }

    public struct Limits: Sendable {
        public var maximumHeadLength: Int
        public var maximumBodyLength: Int

        public init(maximumHeadLength: Int = 16 * 1024, maximumBodyLength: Int = 64 * 1024) {
            self.maximumHeadLength = maximumHeadLength
            self.maximumBodyLength = maximumBodyLength
        }
    }

    private enum State {
        /// Waiting for the blank line ending the head. Valid transitions: body states, complete.
        case head
        /// Valid transitions: head (complete).
        case fixedBody(remaining: Int)
        /// Valid transitions: chunkData, trailers.
        case chunkSize
        /// Valid transitions: chunkSize.
        case chunkData(remaining: Int)
        /// Valid transitions: head (complete).
        case trailers
        /// The body ends when the server closes. Valid transitions: head (complete on EOF).
        case untilClose
    }

    public let limits: Limits
    private var state: State = .head
    private var buffer: [UInt8] = []
    private var consumed = 0
    private var response = HTTPResponse(status: 0)
    /// The method of the request this response answers; HEAD responses have no body.
    private var bodyExpected = true
    /// True from a complete response until the next ``expectResponse(bodyExpected:)``.
    private var answered = false
    /// Head bytes after `consumed` already searched for the blank line, so that a head arriving a
    /// few bytes at a time is not searched again from its start on every read.
    private var headSearched = 0

    /// The longest chunk-size line (size and extensions, without its CRLF) accepted.
    static let maximumChunkSizeLineLength = 1024

    public init(limits: Limits = Limits()) {
        self.limits = limits
        buffer.reserveCapacity(4096)
    }

    /// True when no byte of a response has arrived yet: a close now is the server dropping an
    /// idle connection, not a truncated response.
    public var isIdle: Bool {
        if case .head = state { return buffer.count == consumed }
        return false
    }

    /// Bytes received after the last complete response and before the next
    /// ``expectResponse(bodyExpected:)``: bytes no request asked for. A client that does not
    /// pipeline closes a connection where this is not 0.
    public var bytesPastResponse: Int {
        answered ? buffer.count - consumed : 0
    }

    /// Prepares for the response to the next request.
    public mutating func expectResponse(bodyExpected: Bool = true) {
        self.bodyExpected = bodyExpected
        answered = false
    }

    /// Consumes `bytes`, returning a response when one is complete.
    /// - Throws: `HTTPParseError` for framing that cannot be trusted; the connection must be closed.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> Outcome {
        compact()
        buffer.append(contentsOf: bytes)
        return try advance()
    }

    public mutating func receive(_ bytes: [UInt8]) throws(HTTPParseError) -> Outcome {
        compact()
        buffer.append(contentsOf: bytes)
        return try advance()
    }

    /// Tells the parser the server closed the connection.
    /// - Throws: `HTTPParseError.truncated` when a response was under way and its end was not
    ///   the close.
    public mutating func receiveEndOfStream() throws(HTTPParseError) -> Outcome {
        switch state {
        case .untilClose:
            response.body.append(contentsOf: buffer[consumed...])
            consumed = buffer.count
            response.keepAlive = false
            return finish()
        case .head where buffer.count == consumed:
            throw .closedBeforeResponse
        default:
            throw .truncated
        }
    }

    /// Another call with no new bytes: a complete response can already be waiting in the buffer
    /// (a pipelined peer); this returns it.
    public mutating func pending() throws(HTTPParseError) -> Outcome {
        try advance()
    }

    private mutating func compact() {
        if consumed > 0 {
            buffer.removeFirst(consumed)
            consumed = 0
        }
    }

    private mutating func advance() throws(HTTPParseError) -> Outcome {
        while true {
            switch state {
            case .head:
                guard let end = find(doubleLineBreakFrom: consumed + headSearched) else {
                    // The last three bytes may be the start of the blank line; the rest is head.
                    headSearched = max(0, buffer.count - consumed - 3)
                    if headSearched > limits.maximumHeadLength { throw .headTooLarge(limit: limits.maximumHeadLength) }
                    return .needMoreData
                }
                headSearched = 0
                guard end - consumed <= limits.maximumHeadLength else { throw .headTooLarge(limit: limits.maximumHeadLength) }
                let head = buffer[consumed..<end]
                consumed = end + 4
                try parseHead(head)
                if response.status >= 100 && response.status < 200 {
                    // Interim responses (100 Continue) carry no body and precede the real one.
                    response.reset()
                    continue
                }
                state = try bodyState()
                if case .head = state { return finish() }
            case .fixedBody(let remaining):
                let available = min(remaining, buffer.count - consumed)
                response.body.append(contentsOf: buffer[consumed..<consumed + available])
                consumed += available
                if available < remaining {
                    state = .fixedBody(remaining: remaining - available)
                    return .needMoreData
                }
                state = .head
                return finish()
            case .chunkSize:
                // The limits apply to whole lines, so that the verdict does not depend on the
                // split; an incomplete line may still have its CR in the buffer.
                guard let lineEnd = find(lineBreakFrom: consumed) else {
                    if buffer.count - consumed > Self.maximumChunkSizeLineLength + 1 { throw .invalidChunk }
                    return .needMoreData
                }
                guard lineEnd - consumed <= Self.maximumChunkSizeLineLength else { throw .invalidChunk }
                var sizeEnd = consumed
                while sizeEnd < lineEnd, buffer[sizeEnd] != UInt8(ascii: ";"), buffer[sizeEnd] != 0x20, buffer[sizeEnd] != 0x09 {
                    sizeEnd += 1
                }
                guard let size = ASCII.parseHexadecimal(buffer[consumed..<sizeEnd]) else { throw .invalidChunk }
                consumed = lineEnd + 2
                if size == 0 {
                    state = .trailers
                } else {
                    guard size <= limits.maximumBodyLength - response.body.count else {
                        throw .bodyTooLarge(limit: limits.maximumBodyLength)
                    }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let available = min(remaining, buffer.count - consumed)
                response.body.append(contentsOf: buffer[consumed..<consumed + available])
                consumed += available
                if available < remaining {
                    state = .chunkData(remaining: remaining - available)
                    return .needMoreData
                }
                guard buffer.count - consumed >= 2 else {
                    state = .chunkData(remaining: 0)
                    return .needMoreData
                }
                guard buffer[consumed] == 0x0D, buffer[consumed + 1] == 0x0A else { throw .invalidChunk }
                consumed += 2
                state = .chunkSize
            case .trailers:
                guard let lineEnd = find(lineBreakFrom: consumed) else {
                    if buffer.count - consumed > limits.maximumHeadLength + 1 { throw .headTooLarge(limit: limits.maximumHeadLength) }
                    return .needMoreData
                }
                guard lineEnd - consumed <= limits.maximumHeadLength else { throw .headTooLarge(limit: limits.maximumHeadLength) }
                let empty = lineEnd == consumed
                consumed = lineEnd + 2
                if empty {
                    state = .head
                    return finish()
                }
            case .untilClose:
                let available = buffer.count - consumed
                guard response.body.count + available <= limits.maximumBodyLength else {
                    throw .bodyTooLarge(limit: limits.maximumBodyLength)
                }
                response.body.append(contentsOf: buffer[consumed...])
                consumed = buffer.count
                return .needMoreData
            }
        }
    }

    /// Hands out the response. The parser keeps sharing its storage and empties it when the next
    /// head arrives; by then the caller has normally let go, so the storage is reused, not copied.
    private mutating func finish() -> Outcome {
        state = .head
        bodyExpected = true
        answered = true
        return .complete(response)
    }

    private mutating func parseHead(_ head: ArraySlice<UInt8>) throws(HTTPParseError) {
        var lineStart = head.startIndex
        var lineNumber = 0
        response.reset()
        while lineStart <= head.endIndex {
            var lineEnd = lineStart
            while lineEnd < head.endIndex, !(head[lineEnd] == 0x0D && lineEnd + 1 < head.endIndex && head[lineEnd + 1] == 0x0A) {
                lineEnd += 1
            }
            let line = head[lineStart..<lineEnd]
            if lineNumber == 0 {
                try parseStatusLine(line)
            } else {
                try parseHeaderLine(line)
            }
            lineNumber += 1
            lineStart = lineEnd + 2
        }
    }

    private mutating func parseStatusLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) {
        // "HTTP/1.1 200 OK": version, space, three digits, then an optional reason.
        guard line.count >= 12,
              ASCII.equals(line.prefix(7), "HTTP/1."),
              line[line.startIndex + 8] == 0x20,
              // status-code = 3DIGIT (RFC 9112 §4); parseDecimal alone would take a sign.
              line[(line.startIndex + 9)..<(line.startIndex + 12)].allSatisfy(ASCII.isDigit),
              let status = ASCII.parseDecimal(line[(line.startIndex + 9)..<(line.startIndex + 12)]),
              line.count == 12 || line[line.startIndex + 12] == 0x20
        else { throw .invalidStatusLine }
        response.status = status
        // HTTP/1.0 closes by default.
        response.keepAlive = line[line.startIndex + 7] == UInt8(ascii: "1")
    }

    private mutating func parseHeaderLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) {
        guard let first = line.first else { throw .invalidHeader }
        // obs-fold (RFC 9112 §5.2) is rejected: a client may do so and it removes an ambiguity.
        guard first != 0x20, first != 0x09 else { throw .obsoleteLineFolding }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { throw .invalidHeader }
        let name = line[line.startIndex..<colon]
        for byte in name where byte <= 0x20 || byte >= 0x7F { throw .invalidHeader }
        var valueStart = colon + 1
        var valueEnd = line.endIndex
        while valueStart < valueEnd, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        for byte in line[valueStart..<valueEnd] where byte == 0 || byte == 0x0D || byte == 0x0A { throw .invalidHeader }
        response.appendField(name: name, value: line[valueStart..<valueEnd])
        if ASCII.equalsIgnoringCase(name, "Connection") {
            if containsToken(line[valueStart..<valueEnd], "close") { response.keepAlive = false }
            if containsToken(line[valueStart..<valueEnd], "keep-alive") { response.keepAlive = true }
        }
    }

    private func containsToken(_ value: ArraySlice<UInt8>, _ token: StaticString) -> Bool {
        var start = value.startIndex
        while start < value.endIndex {
            var end = start
            while end < value.endIndex, value[end] != UInt8(ascii: ",") { end += 1 }
            var trimmedStart = start
            var trimmedEnd = end
            while trimmedStart < trimmedEnd, value[trimmedStart] == 0x20 { trimmedStart += 1 }
            while trimmedEnd > trimmedStart, value[trimmedEnd - 1] == 0x20 { trimmedEnd -= 1 }
            if ASCII.equalsIgnoringCase(value[trimmedStart..<trimmedEnd], token) { return true }
            start = end + 1
        }
        return false
    }

    private func bodyState() throws(HTTPParseError) -> State {
        // RFC 9112 §6.3: no body for HEAD, 204 and 304; chunked wins over length, but both at
        // once is a smuggling vector, so it is refused outright.
        if !bodyExpected || response.status == 204 || response.status == 304 { return .head }
        var contentLength: Int?
        var chunked = false
        for field in response.fields {
            let name = response.name(of: field)
            if ASCII.equalsIgnoringCase(name, "Content-Length") {
                guard let length = ASCII.parseDecimal(response.value(of: field)), length >= 0 else {
                    throw .invalidContentLength
                }
                if let earlier = contentLength, earlier != length { throw .invalidContentLength }
                contentLength = length
            } else if ASCII.equalsIgnoringCase(name, "Transfer-Encoding") {
                guard containsToken(response.value(of: field), "chunked") else { throw .unsupportedTransferEncoding }
                chunked = true
            }
        }
        if chunked && contentLength != nil { throw .conflictingLengths }
        if chunked { return .chunkSize }
        if let length = contentLength {
            guard length <= limits.maximumBodyLength else { throw .bodyTooLarge(limit: limits.maximumBodyLength) }
            return length == 0 ? .head : .fixedBody(remaining: length)
        }
        return .untilClose
    }

    private func find(doubleLineBreakFrom start: Int) -> Int? {
        var index = start
        while index + 3 < buffer.count {
            if buffer[index] == 0x0D, buffer[index + 1] == 0x0A, buffer[index + 2] == 0x0D, buffer[index + 3] == 0x0A {
                return index
            }
            index += 1
        }
        return nil
    }

    private func find(lineBreakFrom start: Int) -> Int? {
        var index = start
        while index + 1 < buffer.count {
            if buffer[index] == 0x0D, buffer[index + 1] == 0x0A { return index }
            index += 1
        }
        return nil
    }
}

public enum HTTPParseError: Error, Equatable, CustomStringConvertible {
    case invalidStatusLine
    case invalidHeader
    case obsoleteLineFolding
    case invalidContentLength
    case conflictingLengths
    case unsupportedTransferEncoding
    case invalidChunk
    case headTooLarge(limit: Int)
    case bodyTooLarge(limit: Int)
    case truncated
    case closedBeforeResponse

    public var description: String {
        switch self {
        case .invalidStatusLine: return "the server's status line is not HTTP/1.x"
        case .invalidHeader: return "the server sent a malformed header line"
        case .obsoleteLineFolding: return "the server folded a header over lines (obs-fold), which is refused"
        case .invalidContentLength: return "the server sent an invalid or contradictory Content-Length"
        case .conflictingLengths: return "the server sent both Content-Length and chunked framing"
        case .unsupportedTransferEncoding: return "the server used a transfer coding other than chunked"
        case .invalidChunk: return "the server sent a malformed chunk"
        case .headTooLarge(let limit): return "the server's response head exceeds \(limit) bytes"
        case .bodyTooLarge(let limit): return "the server's response body exceeds \(limit) bytes"
        case .truncated: return "the server closed the connection in the middle of a response"
        case .closedBeforeResponse: return "the server closed the connection without responding"
        }
    }
}
