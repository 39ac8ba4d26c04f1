import HTTP1
import Testing

/// A chunked response with extensions and trailers, then a pipelined fixed-length one, must parse
/// to the same two responses however the socket happens to cut the bytes (RFC 9112 §7.1).
@Suite struct HTTP1ChunkedSplitTests {
    static let stream = Array((
        "HTTP/1.1 200 OK\r\n"
            + "Content-Type: application/json\r\n"
            + "Transfer-Encoding: chunked\r\n"
            + "Trailer: Checksum, Expires\r\n"
            + "\r\n"
            // An extension with a quoted value holding a semicolon, whitespace before an extension,
            // upper- and lower-case hex digits, and a chunk whose data is a CRLF.
            + "7;name=\"va;lue\"\r\n{\"a\":1,\r\n"
            + "A ;ext\r\n\"b\":\"xyz\"}\r\n"
            + "2\r\n\r\n\r\n"
            + "0;last=yes\r\n"
            + "Checksum: 9f\r\n"
            + "Expires: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
            + "\r\n"
            + "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nend"
    ).utf8)

    static func expectTheTwoResponses(_ responses: [HTTPResponse], _ comment: Comment) {
        #expect(responses.map(\.status) == [200, 201], comment)
        guard responses.count == 2 else { return }
        #expect(responses[0].bodyText == "{\"a\":1,\"b\":\"xyz\"}\r\n", comment)
        #expect(responses[0].header("Trailer") == "Checksum, Expires", comment)
        #expect(responses[0].keepAlive, comment)
        #expect(responses[1].bodyText == "end", comment)
    }

    @Test func inOnePiece() throws {
        Self.expectTheTwoResponses(try ResponseFeeding.responses(Self.stream, cutAt: []), "one piece")
    }

    @Test func splitInTwoAtEveryByteBoundary() throws {
        for cut in 0...Self.stream.count {
            Self.expectTheTwoResponses(try ResponseFeeding.responses(Self.stream, cutAt: [cut]), "cut at \(cut)")
        }
    }

    @Test func oneByteAtATime() throws {
        Self.expectTheTwoResponses(try ResponseFeeding.responsesByteByByte(Self.stream), "byte by byte")
    }

    @Test func splitInThreeAroundEveryChunkBoundary() throws {
        // Every pair of cuts within a few bytes of each other: the CRLF after chunk data and the
        // chunk-size line are each split across three reads somewhere in here.
        for first in 0...Self.stream.count {
            for second in first...min(first + 4, Self.stream.count) {
                Self.expectTheTwoResponses(try ResponseFeeding.responses(Self.stream, cutAt: [first, second]), "cuts at \(first), \(second)")
            }
        }
    }

    @Test func bodyUntilClose_isTheSameAtEveryByteBoundary() throws {
        let bytes = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nno length, so the close ends it".utf8)
        for cut in 0...bytes.count {
            let responses = try ResponseFeeding.responses(bytes, cutAt: [cut], endOfStream: true)
            #expect(responses.map(\.bodyText) == ["no length, so the close ends it"], "cut at \(cut)")
            #expect(responses.first?.keepAlive == false, "cut at \(cut)")
        }
    }
}
