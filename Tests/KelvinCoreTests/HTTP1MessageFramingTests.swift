import HTTP1
import Testing

/// How the parser decides where a response body ends (RFC 9112 §6.3). The framings it must refuse
/// are in `HTTPResponseParserTests.untrustworthyFraming_isRejected`.
@Suite struct HTTP1MessageFramingTests {
    static func feed(_ text: String) throws(HTTPParseError) -> [HTTPResponse] {
        try ResponseFeeding.responses(Array(text.utf8), cutAt: [])
    }

    // MARK: - Lengths

    @Test func repeatedIdenticalContentLength_isOneLength() throws {
        let responses = try Self.feed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
        #expect(responses.map(\.bodyText) == ["abc"])
    }

    // MARK: - Responses without a body

    @Test func notModified_hasNoBodyDespiteContentLength_andTheNextResponseFollows() throws {
        let responses = try Self.feed(
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        )
        #expect(responses.map(\.status) == [304, 200])
        #expect(responses.map(\.bodyText) == ["", "hello"])
    }

    @Test func noContent_hasNoBodyDespiteChunkedFraming() throws {
        let responses = try Self.feed(
            "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        )
        #expect(responses.map(\.status) == [204, 200])
        #expect(responses[0].body.isEmpty)
    }

    @Test func interimResponses_areSkipped_andTheirHeadersDoNotLeak() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\n"
            + "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        for cut in 0...text.utf8.count {
            let responses = try ResponseFeeding.responses(Array(text.utf8), cutAt: [cut])
            #expect(responses.map(\.status) == [200], "cut at \(cut)")
            #expect(responses.first?.header("Link") == nil, "cut at \(cut)")
            #expect(responses.first?.bodyText == "ok", "cut at \(cut)")
        }
    }

    @Test func bytesPastACompleteResponse_areCountedUntilTheNextRequest() throws {
        var parser = HTTPResponseParser()
        let answer = "HTTP/1.1 204 No Content\r\n\r\n"
        #expect(try parser.receive(Array(answer.utf8)) == .complete(HTTPResponse(status: 204)))
        #expect(parser.bytesPastResponse == 0)
        // The start of a second response nobody asked for, in a later read: counted, so the
        // connection can be closed before the rest of it could be taken for an answer.
        #expect(try parser.receive(Array("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n".utf8)) == .needMoreData)
        #expect(parser.bytesPastResponse == 36)
        var sameRead = HTTPResponseParser()
        #expect(try sameRead.receive(Array((answer + "HTTP/1.1 200 OK\r\n").utf8)) == .complete(HTTPResponse(status: 204)))
        #expect(sameRead.bytesPastResponse == 17)
        // Before any answer, and once a request is under way, nothing is past a response.
        var fresh = HTTPResponseParser()
        _ = try fresh.receive(Array("HTTP/1.1 2".utf8))
        #expect(fresh.bytesPastResponse == 0)
        var next = HTTPResponseParser()
        _ = try next.receive(Array(answer.utf8))
        next.expectResponse()
        _ = try next.receive(Array("HTTP/1.1 2".utf8))
        #expect(next.bytesPastResponse == 0)
    }

    @Test func answerToHEAD_hasNoBodyDespiteContentLength() throws {
        var parser = HTTPResponseParser()
        parser.expectResponse(bodyExpected: false)
        let outcome = try parser.receive(Array("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n".utf8))
        #expect(outcome == .complete(HTTPResponse(status: 200, headers: [HTTPHeader("Content-Length", "1234")])))
        #expect(parser.isIdle)
    }

    // MARK: - Bodies that end at the close

    @Test func http10WithoutLength_readsToTheClose_andDoesNotKeepAlive() throws {
        let responses = try ResponseFeeding.responses(Array("HTTP/1.0 200 OK\r\n\r\nold server".utf8), cutAt: [5], endOfStream: true)
        #expect(responses.map(\.bodyText) == ["old server"])
        #expect(responses.first?.keepAlive == false)
    }

    @Test func emptyBodyUntilClose_isAnEmptyResponse() throws {
        let responses = try ResponseFeeding.responses(Array("HTTP/1.1 200 OK\r\n\r\n".utf8), cutAt: [], endOfStream: true)
        #expect(responses.map(\.status) == [200])
        #expect(responses.first?.body.isEmpty == true)
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTrailer: x\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",
    ])
    func closeBeforeTheFramingSaysTheResponseEnds_isTruncated(text: String) {
        #expect(throws: HTTPParseError.truncated) {
            try ResponseFeeding.responses(Array(text.utf8), cutAt: [], endOfStream: true)
        }
    }
}
