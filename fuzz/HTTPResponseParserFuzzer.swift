import HTTP1
import Wire

/// The `http-response` target, `HTTPResponseParser`: plays the input as one connection's worth of
/// server bytes, the way `HTTPSConnection` feeds them, and checks what must hold for any input.
///
/// Input layout: four control bytes, then the bytes the server sends.
/// - byte 0, bits 0–1: limits (0 the defaults, 1 small, 2 tiny, 3 taken from byte 3);
///   bits 2–3: the largest piece a read returns (1, 8, 64 or 4096 bytes).
/// - byte 1: seeds the piece lengths, so the split points are the input's to choose.
/// - byte 2: bit `i` set makes response `i` the answer to a HEAD request (no body).
/// - byte 3: with limits 3, the low nibble × 16 is the head limit, the high nibble × 4 the
///   body limit.
///
/// Each input is played twice, in one piece and in the chosen pieces; the parser promises the
/// same responses in any split, so the two transcripts must be equal.
enum HTTPResponseTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard input.count >= 4 else { return }
        let scenario = Scenario(control: UnsafeBufferPointer(rebasing: input.assumingMemoryBound(to: UInt8.self)[0..<4]))
        let stream = UnsafeRawBufferPointer(rebasing: input[4...])
        var whole = PieceLengths(ceiling: Int.max, seed: 0)
        var pieces = PieceLengths(ceiling: scenario.pieceCeiling, seed: input[1])
        let inOnePiece = scenario.play(stream, pieces: &whole)
        let inPieces = scenario.play(stream, pieces: &pieces)
        invariant(inOnePiece == inPieces, "split into pieces the stream gave \(inPieces), in one piece \(inOnePiece)")
    }
}

enum Event: Equatable {
    case response(HTTPResponse)
    case failed(HTTPParseError)
}

struct Scenario {
    let limits: HTTPResponseParser.Limits
    let pieceCeiling: Int
    let headRequests: UInt8

    init(control: UnsafeBufferPointer<UInt8>) {
        switch control[0] & 0b11 {
        case 0: limits = HTTPResponseParser.Limits()
        case 1: limits = HTTPResponseParser.Limits(maximumHeadLength: 256, maximumBodyLength: 128)
        case 2: limits = HTTPResponseParser.Limits(maximumHeadLength: 32, maximumBodyLength: 8)
        default:
            limits = HTTPResponseParser.Limits(
                maximumHeadLength: Int(control[3] & 0x0F) * 16,
                maximumBodyLength: Int(control[3] >> 4) * 4
            )
        }
        pieceCeiling = [1, 8, 64, 4096][Int(control[0] >> 2 & 0b11)]
        headRequests = control[2]
    }

    func bodyExpected(forResponse index: Int) -> Bool {
        index >= 8 || headRequests & 1 << index == 0
    }

    /// One connection: a request's response is awaited, read in pieces, and the connection is
    /// given up at the first error or `Connection: close`, as the client does.
    func play(_ stream: UnsafeRawBufferPointer, pieces: inout PieceLengths) -> [Event] {
        var parser = HTTPResponseParser(limits: limits)
        var events: [Event] = []
        parser.expectResponse(bodyExpected: bodyExpected(forResponse: 0))
        var offset = 0
        do throws(HTTPParseError) {
            while offset < stream.count {
                let end = offset + min(stream.count - offset, pieces.next())
                var outcome = try parser.receive(UnsafeRawBufferPointer(rebasing: stream[offset..<end]))
                offset = end
                // Keep-alive: the next responses may already be in the parser's buffer.
                while case .complete(let response) = outcome {
                    check(response, bodyExpected: bodyExpected(forResponse: events.count))
                    events.append(.response(response))
                    if !response.keepAlive { return events }
                    parser.expectResponse(bodyExpected: bodyExpected(forResponse: events.count))
                    outcome = try parser.pending()
                }
            }
            if case .complete(let response) = try parser.receiveEndOfStream() {
                check(response, bodyExpected: bodyExpected(forResponse: events.count))
                invariant(!response.keepAlive, "a response completed by the close is marked keep-alive")
                events.append(.response(response))
            }
        } catch {
            events.append(.failed(error))
        }
        return events
    }

    func check(_ response: HTTPResponse, bodyExpected: Bool) {
        invariant(response.body.count <= limits.maximumBodyLength,
                  "a \(response.body.count)-byte body passed the \(limits.maximumBodyLength)-byte limit")
        invariant((200...999).contains(response.status) || (0..<100).contains(response.status),
                  "status \(response.status) is neither three digits nor final")
        for header in response.headers {
            invariant(!header.name.isEmpty && header.name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") },
                      "header name \(header.name.utf8.map(\.self)) is not a token")
            invariant(!header.value.utf8.contains { $0 == 0 || $0 == 0x0D || $0 == 0x0A },
                      "header value \(header.value.utf8.map(\.self)) holds NUL, CR or LF")
        }
        // RFC 9112 §6.3, in the order the parser applies it.
        if !bodyExpected || response.status == 204 || response.status == 304 {
            invariant(response.body.isEmpty, "a response that has no body carries \(response.body.count) bytes")
        } else if let length = response.header("Content-Length").flatMap(ASCII.parseDecimal) {
            invariant(response.body.count == length, "Content-Length \(length) but \(response.body.count) body bytes")
        } else if response.header("Transfer-Encoding") == nil {
            invariant(!response.keepAlive, "a body delimited by the close is marked keep-alive")
        }
    }
}

/// Read sizes from a small linear congruential generator, 1 to `ceiling` bytes each.
struct PieceLengths {
    let ceiling: Int
    var state: UInt32

    init(ceiling: Int, seed: UInt8) {
        self.ceiling = ceiling
        state = UInt32(seed) &* 2_654_435_761 | 1
    }

    mutating func next() -> Int {
        guard ceiling < Int.max else { return Int.max }
        state = state &* 1_664_525 &+ 1_013_904_223
        return 1 + Int(state >> 16) % ceiling
    }
}
