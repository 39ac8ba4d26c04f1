@testable import HTTP1
import Wire

/// The `proxy-url` target: `HTTPProxy(parsing:)` (`https_proxy`, `--proxy`), `NoProxyList`
/// (`no_proxy`) and `ProxySettings.resolve`, which reads both from the environment.
///
/// Input: the proxy URL, the `no_proxy` text and a host name, separated by 0xFF bytes; the
/// host's last two bytes pick the port.
///
/// A proxy parsed is a host and port that, written back as a URL with its credentials
/// percent-encoded, parse to the same proxy (decode → encode → decode); the host has no byte a
/// connection or a log line must not see; every refusal is one clean line that does not
/// repeat the URL's password. `no_proxy` is a list: two lists joined match what either matches;
/// matching ignores the case of the host and a trailing dot; a name in the list matches itself.
enum ProxyURLTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        let parts = texts(Array(data), count: 3)
        let url = String(decoding: parts[0], as: UTF8.self)
        checkProxy(url)
        checkNoProxy(parts[1], host: parts[2])
        do {
            _ = try ProxySettings.resolve(option: nil, environment: { name in
                ASCII.equals(name, "https_proxy") ? url : ASCII.equals(name, "no_proxy") ? String(decoding: parts[1], as: UTF8.self) : nil
            })
        } catch {
            invariant(isOneCleanLine(error.description), "the error \(Array(error.description.utf8)) is not one clean line")
        }
    }

    static func checkProxy(_ url: String) {
        let proxy: HTTPProxy
        do {
            proxy = try HTTPProxy(parsing: url, source: "https_proxy")
        } catch {
            return invariant(isOneCleanLine(error.description), "the error \(Array(error.description.utf8)) is not one clean line")
        }
        invariant(!proxy.host.isEmpty && proxy.port >= 1, "proxy \(proxy.address) has no host or port 0")
        invariant(!proxy.host.utf8.contains { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "/") },
                  "proxy host \(Array(proxy.host.utf8)) has a byte a host name does not")
        var rewritten = "http://"
        if let authorization = proxy.authorization {
            guard let credentials = base64Decoded(authorization.utf8.dropFirst("Basic ".count)) else {
                return invariant(false, "Proxy-Authorization \(authorization) is not Basic base64")
            }
            let colon = credentials.firstIndex(of: UInt8(ascii: ":")) ?? credentials.endIndex
            rewritten += percentEncoded(credentials[..<colon]) + ":" + percentEncoded(credentials[min(colon + 1, credentials.endIndex)...]) + "@"
        }
        rewritten += proxy.address + "/"
        do {
            let again = try HTTPProxy(parsing: rewritten, source: "https_proxy")
            invariant(again == proxy, "\(url) written back as \(rewritten) parses to \(again.address), not \(proxy.address)")
        } catch {
            invariant(false, "\(url) written back as \(rewritten) is refused: \(error)")
        }
    }

    static func checkNoProxy(_ list: [UInt8], host: [UInt8]) {
        let port = UInt16(host.suffix(2).reduce(0) { $0 << 8 | Int($1) } & 0xFFFF)
        let hostName = String(decoding: host.dropLast(min(2, host.count)), as: UTF8.self)
        let text = String(decoding: list, as: UTF8.self)
        let whole = NoProxyList(text)
        let matched = whole.matches(host: hostName, port: port)
        if let comma = list.firstIndex(of: UInt8(ascii: ",")) {
            let first = NoProxyList(String(decoding: list[..<comma], as: UTF8.self))
            let second = NoProxyList(String(decoding: list[(comma + 1)...], as: UTF8.self))
            invariant(matched == (first.matches(host: hostName, port: port) || second.matches(host: hostName, port: port)),
                      "no_proxy \(text) matches \(hostName) \(matched), its two halves otherwise")
        }
        let upper = String(decoding: hostName.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
        invariant(whole.matches(host: upper, port: port) == matched, "no_proxy \(text) matches \(hostName) and \(upper) differently")
        if !hostName.isEmpty, !hostName.utf8.contains(UInt8(ascii: "[")), hostName.utf8.last != UInt8(ascii: "."), hostName.utf8.first != UInt8(ascii: ".") {
            invariant(whole.matches(host: hostName + ".", port: port) == matched, "no_proxy \(text) matches \(hostName) and \(hostName). differently")
        }
        if let name = Substring(hostName).split(separator: ":").first, !hostName.utf8.contains(UInt8(ascii: ":")),
           name.utf8.allSatisfy({ HTTPProxy.isHostNameByte($0) }), name.utf8.contains(where: { $0 != UInt8(ascii: ".") }) {
            invariant(NoProxyList(String(name)).matches(host: String(name), port: port), "no_proxy \(name) does not match \(name)")
        }
    }

    /// RFC 4648 base64 without line breaks; nil for anything else.
    static func base64Decoded(_ text: some Collection<UInt8>) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let bytes = Array(text)
        guard bytes.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            var value: UInt32 = 0
            var padding = 0
            for offset in 0..<4 {
                let byte = bytes[index + offset]
                if byte == UInt8(ascii: "=") {
                    padding += 1
                    value <<= 6
                } else {
                    guard padding == 0, let digit = alphabet.firstIndex(of: byte) else { return nil }
                    value = value << 6 | UInt32(digit)
                }
            }
            out += [UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)].prefix(3 - padding)
            index += 4
        }
        return out
    }
}

/// The `proxy-connect` target: `ConnectResponseReader`, which reads a proxy's answer to
/// `CONNECT` without taking a byte of the tunnel behind it.
///
/// Input: byte 0 picks the head limit, byte 1 seeds the read sizes; the rest is what the
/// proxy sends.
///
/// Read as the client reads it (`nextReadLength` at a time) and in smaller reads, the answer is
/// the same and ends at the same byte, or both reads refuse it; an answer ends just after a
/// `CRLF CRLF`, never later; a refusal's reason is at most 80 bytes of printable ASCII; no head
/// past the limit is taken.
enum ProxyConnectTarget {
    enum Played: Equatable {
        case outcome(ConnectResponseReader.Outcome, consumed: Int)
        case failed(HTTPParseError, consumed: Int)
        case endOfStream(consumed: Int)
    }

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let limits = [8 * 1024, 64, 16, 256]
        let limit = limits[Int(input.byte() & 3)]
        let seed = input.byte()
        let stream = input.rest()
        let whole = play(stream, limit: limit, pieces: PieceLengths(ceiling: Int.max, seed: 0))
        let pieces = play(stream, limit: limit, pieces: PieceLengths(ceiling: 3, seed: seed))
        // A head both malformed and past the limit may be refused for either, depending on where
        // the reads end; that it is refused may not.
        if case .failed = whole, case .failed = pieces {
        } else {
            invariant(whole == pieces, "read \(whole) at nextReadLength a time, \(pieces) in smaller reads")
        }
        switch whole {
        case .outcome(let outcome, let consumed):
            invariant(Array(stream[..<consumed].suffix(4)) == [0x0D, 0x0A, 0x0D, 0x0A], "the answer ended at byte \(consumed), not after a CRLF CRLF")
            if case .refused(let status, let reason) = outcome {
                invariant(!(200...299).contains(status), "status \(status) refused")
                invariant(reason.utf8.count <= 80 && reason.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "reason \(Array(reason.utf8)) is not printable ASCII within 80 bytes")
            }
        case .failed(let error, let consumed):
            if case .headTooLarge = error { invariant(consumed > limit, "head too large after \(consumed) bytes with a limit of \(limit)") }
        case .endOfStream: break
        }
    }

    static func play(_ stream: [UInt8], limit: Int, pieces: PieceLengths) -> Played {
        var pieces = pieces
        var reader = ConnectResponseReader(maximumHeadLength: limit)
        var offset = 0
        while offset < stream.count {
            let allowed = reader.nextReadLength
            invariant(allowed >= 1 && allowed <= 4, "nextReadLength \(allowed)")
            let length = min(pieces.next(), allowed, stream.count - offset)
            let piece = stream[offset..<(offset + length)]
            offset += length
            do {
                let outcome = try reader.receive(piece)
                if outcome != .needMoreData { return .outcome(outcome, consumed: offset) }
            } catch {
                return .failed(error, consumed: offset)
            }
        }
        return .endOfStream(consumed: offset)
    }
}
