import HTTP1
import Testing

/// Each size bound of the response parser, exactly at the bound and one byte past it, fed in one
/// piece and one byte at a time: the verdict must not depend on how the bytes arrive.
@Suite struct HTTP1LimitTests {
    enum Delivery: CaseIterable {
        case onePiece, byteByByte
    }

    static let defaultHeadLimit = 16 * 1024
    static let defaultBodyLimit = 64 * 1024

    static func feed(_ bytes: [UInt8], _ delivery: Delivery, limits: HTTPResponseParser.Limits = .init(), endOfStream: Bool = false) throws(HTTPParseError) -> [HTTPResponse] {
        switch delivery {
        case .onePiece: return try ResponseFeeding.responses(bytes, cutAt: [], limits: limits, endOfStream: endOfStream)
        case .byteByByte: return try ResponseFeeding.responsesByteByByte(bytes, limits: limits, endOfStream: endOfStream)
        }
    }

    /// A response whose head (status line and header lines, not the blank line ending it) is
    /// exactly `headLength` bytes, with a two-byte body.
    static func response(headLength: Int) -> [UInt8] {
        let padding = String(repeating: "p", count: headLength - headStart.utf8.count)
        return Array((headStart + padding + "\r\n\r\nok").utf8)
    }

    static let headStart = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: "

    // MARK: - Head

    @Test(arguments: Delivery.allCases)
    func head_atTheDefaultLimit_isAccepted(delivery: Delivery) throws {
        let responses = try Self.feed(Self.response(headLength: Self.defaultHeadLimit), delivery)
        #expect(responses.map(\.bodyText) == ["ok"])
        #expect(responses.first?.header("X-Pad")?.utf8.count == Self.defaultHeadLimit - Self.headStart.utf8.count)
    }

    @Test(arguments: Delivery.allCases)
    func head_oneBytePastTheDefaultLimit_isRejected(delivery: Delivery) {
        #expect(throws: HTTPParseError.headTooLarge(limit: Self.defaultHeadLimit)) {
            try Self.feed(Self.response(headLength: Self.defaultHeadLimit + 1), delivery)
        }
    }

    @Test(arguments: Delivery.allCases)
    func head_atACallerSetLimit_isAcceptedAndOnePastIsRejected(delivery: Delivery) throws {
        let limits = HTTPResponseParser.Limits(maximumHeadLength: 100)
        #expect(try Self.feed(Self.response(headLength: 100), delivery, limits: limits).map(\.status) == [200])
        #expect(throws: HTTPParseError.headTooLarge(limit: 100)) {
            try Self.feed(Self.response(headLength: 101), delivery, limits: limits)
        }
    }

    @Test func head_thatNeverEnds_isRejectedOnceItPassesTheLimit() throws {
        var parser = HTTPResponseParser(limits: .init(maximumHeadLength: 100))
        let endless = Array(("HTTP/1.1 200 OK\r\nX-Pad: " + String(repeating: "p", count: 200)).utf8)
        // 100 head bytes and a CR, LF, CR that may yet be the blank line: still undecided.
        #expect(try parser.receive(Array(endless[..<100]) + Array("\r\n\r".utf8)) == .needMoreData)
        #expect(throws: HTTPParseError.headTooLarge(limit: 100)) { try parser.receive(Array(endless[100...])) }
    }

    // MARK: - Body

    static func fixedLength(_ length: Int) -> [UInt8] {
        Array("HTTP/1.1 200 OK\r\nContent-Length: \(length)\r\n\r\n".utf8) + [UInt8](repeating: 0x62, count: length)
    }

    /// `length` body bytes in chunks of at most 4000, with an extension on the last size line.
    static func chunked(_ length: Int) -> [UInt8] {
        var bytes = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        var remaining = length
        while remaining > 0 {
            let size = min(remaining, 4000)
            bytes += Array("\(String(size, radix: 16))\r\n".utf8) + [UInt8](repeating: 0x63, count: size) + Array("\r\n".utf8)
            remaining -= size
        }
        return bytes + Array("0;done\r\n\r\n".utf8)
    }

    static func untilClose(_ length: Int) -> [UInt8] {
        Array("HTTP/1.1 200 OK\r\n\r\n".utf8) + [UInt8](repeating: 0x64, count: length)
    }

    enum Framing: CaseIterable {
        case contentLength, chunked, untilClose

        func response(bodyLength: Int) -> [UInt8] {
            switch self {
            case .contentLength: return HTTP1LimitTests.fixedLength(bodyLength)
            case .chunked: return HTTP1LimitTests.chunked(bodyLength)
            case .untilClose: return HTTP1LimitTests.untilClose(bodyLength)
            }
        }
    }

    @Test(arguments: Framing.allCases, [nil, 1000])
    func body_atTheBound_isAccepted(framing: Framing, callerBound: Int?) throws {
        let bound = callerBound ?? Self.defaultBodyLimit
        let limits = callerBound.map { HTTPResponseParser.Limits(maximumBodyLength: $0) } ?? .init()
        let responses = try Self.feed(framing.response(bodyLength: bound), .onePiece, limits: limits, endOfStream: framing == .untilClose)
        #expect(responses.map(\.body.count) == [bound])
    }

    @Test(arguments: Framing.allCases, [nil, 1000])
    func body_oneBytePastTheBound_isRejected(framing: Framing, callerBound: Int?) {
        let bound = callerBound ?? Self.defaultBodyLimit
        let limits = callerBound.map { HTTPResponseParser.Limits(maximumBodyLength: $0) } ?? .init()
        #expect(throws: HTTPParseError.bodyTooLarge(limit: bound)) {
            try Self.feed(framing.response(bodyLength: bound + 1), .onePiece, limits: limits, endOfStream: framing == .untilClose)
        }
    }

    @Test(arguments: Framing.allCases)
    func body_atAndPastACallerSetBound_byteByByte(framing: Framing) throws {
        let limits = HTTPResponseParser.Limits(maximumBodyLength: 300)
        let accepted = try Self.feed(framing.response(bodyLength: 300), .byteByByte, limits: limits, endOfStream: framing == .untilClose)
        #expect(accepted.map(\.body.count) == [300])
        #expect(throws: HTTPParseError.bodyTooLarge(limit: 300)) {
            try Self.feed(framing.response(bodyLength: 301), .byteByByte, limits: limits, endOfStream: framing == .untilClose)
        }
    }

    @Test func fixedLengthBody_pastTheBound_isRejectedFromTheHeadAlone() {
        var parser = HTTPResponseParser(limits: .init(maximumBodyLength: 10))
        #expect(throws: HTTPParseError.bodyTooLarge(limit: 10)) {
            try parser.receive(Array("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n".utf8))
        }
    }

    // MARK: - Chunk-size line

    /// A chunk-size line whose text (size and extension, not its CRLF) is `lineLength` bytes.
    static func chunkSizeLine(_ lineLength: Int) -> [UInt8] {
        Array(("3;pad=" + String(repeating: "x", count: lineLength - 6)).utf8)
    }

    static let chunkedHead = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)

    @Test(arguments: Delivery.allCases)
    func chunkSizeLine_of1024Bytes_isAccepted(delivery: Delivery) throws {
        let bytes = Self.chunkedHead + Self.chunkSizeLine(1024) + Array("\r\nabc\r\n0\r\n\r\n".utf8)
        #expect(try Self.feed(bytes, delivery).map(\.bodyText) == ["abc"])
    }

    @Test(arguments: Delivery.allCases)
    func chunkSizeLine_of1025Bytes_isRejected(delivery: Delivery) {
        let bytes = Self.chunkedHead + Self.chunkSizeLine(1025) + Array("\r\nabc\r\n0\r\n\r\n".utf8)
        #expect(throws: HTTPParseError.invalidChunk) { try Self.feed(bytes, delivery) }
    }

    @Test func chunkSizeLine_thatNeverEnds_isRejectedWithoutWaitingForItsEnd() {
        var parser = HTTPResponseParser()
        #expect(throws: HTTPParseError.invalidChunk) {
            try parser.receive(Self.chunkedHead + Array(String(repeating: "0", count: 2000).utf8))
        }
    }

    @Test(arguments: [
        ("10000000000000000", HTTPParseError.invalidChunk),
        ("7fffffffffffffff", .bodyTooLarge(limit: defaultBodyLimit)),
    ])
    func chunkSize_pastAnyBound_isRejectedWithoutOverflow(size: String, error: HTTPParseError) {
        var parser = HTTPResponseParser()
        #expect(throws: error) { try parser.receive(Self.chunkedHead + Array("\(size)\r\nabc".utf8)) }
    }
}
