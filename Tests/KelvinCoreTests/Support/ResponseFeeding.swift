import HTTP1

/// Feeds a parser a scripted byte stream in chosen pieces, as a socket would deliver it.
enum ResponseFeeding {
    /// Every complete response, in order, after feeding `bytes` cut at each of `cuts` (ascending
    /// offsets into `bytes`), draining pipelined responses after each piece. `endOfStream` then
    /// tells the parser the server closed.
    static func responses(
        _ bytes: [UInt8],
        cutAt cuts: [Int],
        limits: HTTPResponseParser.Limits = .init(),
        endOfStream: Bool = false
    ) throws(HTTPParseError) -> [HTTPResponse] {
        var parser = HTTPResponseParser(limits: limits)
        var responses: [HTTPResponse] = []
        var start = 0
        for end in cuts + [bytes.count] where end >= start {
            if case .complete(let response) = try parser.receive(Array(bytes[start..<end])) { responses.append(response) }
            while case .complete(let response) = try parser.pending() { responses.append(response) }
            start = end
        }
        if endOfStream, case .complete(let response) = try parser.receiveEndOfStream() { responses.append(response) }
        return responses
    }

    /// Pieces of `step` bytes (the last one shorter).
    static func responses(_ bytes: [UInt8], every step: Int, limits: HTTPResponseParser.Limits = .init()) throws(HTTPParseError) -> [HTTPResponse] {
        try responses(bytes, cutAt: Array(stride(from: step, to: bytes.count, by: step)), limits: limits)
    }

    /// One byte at a time.
    static func responsesByteByByte(_ bytes: [UInt8], limits: HTTPResponseParser.Limits = .init(), endOfStream: Bool = false) throws(HTTPParseError) -> [HTTPResponse] {
        try responses(bytes, cutAt: Array(1..<max(1, bytes.count)), limits: limits, endOfStream: endOfStream)
    }
}
