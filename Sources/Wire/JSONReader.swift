/// Reads values out of a JSON document by key path, without building a tree.
///
/// The document is validated once (RFC 8259 grammar, bounded nesting) when the reader is made;
/// lookups then walk the bytes again, skipping what they do not need. Service responses are a
/// few hundred bytes, so walking twice is cheaper than allocating a tree.
public struct JSONReader {
    public static let maximumDepth = 32

    public let bytes: [UInt8]
    private let rootOffset: Int

    /// - Throws: `JSONError.malformed` with the byte offset of the first error.
    public init(_ bytes: [UInt8]) throws(JSONError) {
        self.bytes = bytes
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        rootOffset = scanner.offset
        try scanner.skipValue(depth: 0)
        scanner.skipWhitespace()
        guard scanner.offset == bytes.count else { throw .malformed(offset: scanner.offset, "trailing characters") }
    }

    /// The string at `path`, nil when a key on the way is absent or the value is `null`.
    /// - Throws: `JSONError.typeMismatch` when the value is not a string.
    public func string(at path: [StaticString]) throws(JSONError) -> String? {
        guard let offset = try locate(path) else { return nil }
        var scanner = Scanner(bytes: bytes, offset: offset)
        if bytes[offset] == UInt8(ascii: "n") { return nil }
        guard bytes[offset] == UInt8(ascii: "\"") else { throw .typeMismatch(path: Self.describe(path), expected: "a string") }
        return try scanner.readString()
    }

    /// The string at `path` when it is text fit for a URL, a header or a log line: valid UTF-8
    /// without control characters (``PrintableText``). Nil when absent or `null`.
    /// - Throws: `JSONError.typeMismatch` when the value is not a string, `.unprintable` with
    ///   the value escaped when it is not such text (a `\u0000` or `\n` escape, a lone
    ///   surrogate).
    public func text(at path: [StaticString]) throws(JSONError) -> String? {
        guard let offset = try locate(path) else { return nil }
        if bytes[offset] == UInt8(ascii: "n") { return nil }
        guard bytes[offset] == UInt8(ascii: "\"") else { throw .typeMismatch(path: Self.describe(path), expected: "a string") }
        var scanner = Scanner(bytes: bytes, offset: offset)
        let value = try scanner.readStringBytes()
        guard PrintableText.isClean(value) else { throw .unprintable(path: Self.describe(path), escaped: PrintableText.escaped(value)) }
        return String(decoding: value, as: UTF8.self)
    }

    /// The integer at `path`, nil when absent or `null`.
    /// - Throws: `JSONError.typeMismatch` when the value is not an integer that fits in `Int`.
    public func integer(at path: [StaticString]) throws(JSONError) -> Int? {
        guard let offset = try locate(path) else { return nil }
        if bytes[offset] == UInt8(ascii: "n") { return nil }
        var scanner = Scanner(bytes: bytes, offset: offset)
        try scanner.skipValue(depth: 0)
        guard let value = ASCII.parseDecimal(bytes[offset..<scanner.offset]) else {
            throw .typeMismatch(path: Self.describe(path), expected: "an integer")
        }
        return value
    }

    /// The raw bytes of the value at `path` (an object stays JSON text), nil when absent.
    public func rawValue(at path: [StaticString]) throws(JSONError) -> ArraySlice<UInt8>? {
        guard let offset = try locate(path) else { return nil }
        var scanner = Scanner(bytes: bytes, offset: offset)
        try scanner.skipValue(depth: 0)
        return bytes[offset..<scanner.offset]
    }

    private func locate(_ path: [StaticString]) throws(JSONError) -> Int? {
        var offset = rootOffset
        for key in path {
            guard bytes[offset] == UInt8(ascii: "{") else { return nil }
            var scanner = Scanner(bytes: bytes, offset: offset + 1)
            var found: Int?
            scanner.skipWhitespace()
            if scanner.peek == UInt8(ascii: "}") { return nil }
            while found == nil {
                scanner.skipWhitespace()
                let name = try scanner.readStringBytes()
                scanner.skipWhitespace()
                scanner.offset += 1 // ':'
                scanner.skipWhitespace()
                if ASCII.equals(name, key) {
                    found = scanner.offset
                    break
                }
                try scanner.skipValue(depth: 0)
                scanner.skipWhitespace()
                if scanner.peek == UInt8(ascii: "}") { return nil }
                scanner.offset += 1 // ','
            }
            guard let next = found else { return nil }
            offset = next
        }
        return offset
    }

    private static func describe(_ path: [StaticString]) -> String {
        var text = ""
        for key in path {
            if !text.isEmpty { text += "." }
            text += key.description
        }
        return text
    }
}

public enum JSONError: Error, Equatable, CustomStringConvertible {
    case malformed(offset: Int, String)
    case typeMismatch(path: String, expected: String)
    /// A string that is not UTF-8 text without controls, quoted escaped.
    case unprintable(path: String, escaped: String)

    public var description: String {
        switch self {
        case .malformed(let offset, let reason): return "malformed JSON at byte \(offset): \(reason)"
        case .typeMismatch(let path, let expected): return "JSON field \"\(path)\" is not \(expected)"
        case .unprintable(let path, let escaped): return "JSON field \"\(path)\" is \"\(escaped)\", not UTF-8 text without control characters"
        }
    }
}

private struct Scanner {
    let bytes: [UInt8]
    var offset: Int

    init(bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var peek: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            offset += 1
        }
    }

    mutating func expect(_ byte: UInt8, _ reason: String) throws(JSONError) {
        guard peek == byte else { throw .malformed(offset: offset, reason) }
        offset += 1
    }

    mutating func skipValue(depth: Int) throws(JSONError) {
        guard depth < JSONReader.maximumDepth else { throw .malformed(offset: offset, "nested too deeply") }
        guard let byte = peek else { throw .malformed(offset: offset, "value expected") }
        switch byte {
        case UInt8(ascii: "{"):
            offset += 1
            skipWhitespace()
            if peek == UInt8(ascii: "}") {
                offset += 1
                return
            }
            // RFC 8259 §4 leaves duplicate names to the reader; readers differ on which one
            // wins, and a proxy that picks the first while Kelvin picks the second is how a
            // value slips past a check. One name twice is refused.
            var names: [[UInt8]] = []
            while true {
                skipWhitespace()
                let nameOffset = offset
                let name = try readStringBytes()
                if names.contains(name) {
                    throw .malformed(offset: nameOffset, "the key \"\(PrintableText.escaped(name))\" appears twice in one object")
                }
                names.append(name)
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':' expected")
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    offset += 1
                    continue
                }
                try expect(UInt8(ascii: "}"), "',' or '}' expected")
                return
            }
        case UInt8(ascii: "["):
            offset += 1
            skipWhitespace()
            if peek == UInt8(ascii: "]") {
                offset += 1
                return
            }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    offset += 1
                    continue
                }
                try expect(UInt8(ascii: "]"), "',' or ']' expected")
                return
            }
        case UInt8(ascii: "\""):
            _ = try readStringBytes()
        case UInt8(ascii: "t"): try skipLiteral("true")
        case UInt8(ascii: "f"): try skipLiteral("false")
        case UInt8(ascii: "n"): try skipLiteral("null")
        case UInt8(ascii: "-"), 0x30...0x39: try skipNumber()
        default: throw .malformed(offset: offset, "value expected")
        }
    }

    mutating func skipLiteral(_ literal: StaticString) throws(JSONError) {
        let start = offset
        let matched = literal.withUTF8Buffer { expected in
            guard start + expected.count <= bytes.count else { return false }
            for index in 0..<expected.count where bytes[start + index] != expected[index] { return false }
            return true
        }
        guard matched else { throw .malformed(offset: start, "unknown literal") }
        offset += literal.utf8CodeUnitCount
    }

    mutating func skipNumber() throws(JSONError) {
        let start = offset
        if peek == UInt8(ascii: "-") { offset += 1 }
        guard let first = peek, ASCII.isDigit(first) else { throw .malformed(offset: start, "digit expected") }
        if first == UInt8(ascii: "0") {
            offset += 1
        } else {
            while let byte = peek, ASCII.isDigit(byte) { offset += 1 }
        }
        if peek == UInt8(ascii: ".") {
            offset += 1
            guard let byte = peek, ASCII.isDigit(byte) else { throw .malformed(offset: offset, "digit expected") }
            while let byte = peek, ASCII.isDigit(byte) { offset += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            offset += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { offset += 1 }
            guard let byte = peek, ASCII.isDigit(byte) else { throw .malformed(offset: offset, "digit expected") }
            while let byte = peek, ASCII.isDigit(byte) { offset += 1 }
        }
    }

    /// Reads a string token and returns its decoded UTF-8 bytes.
    mutating func readStringBytes() throws(JSONError) -> [UInt8] {
        try expect(UInt8(ascii: "\""), "string expected")
        var decoded: [UInt8] = []
        while true {
            guard let byte = peek else { throw .malformed(offset: offset, "unterminated string") }
            offset += 1
            switch byte {
            case UInt8(ascii: "\""):
                return decoded
            case UInt8(ascii: "\\"):
                guard let escape = peek else { throw .malformed(offset: offset, "unterminated escape") }
                offset += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &decoded)
                default: throw .malformed(offset: offset - 1, "unknown escape")
                }
            case 0..<0x20:
                throw .malformed(offset: offset - 1, "control character in string")
            default:
                decoded.append(byte)
            }
        }
    }

    mutating func readString() throws(JSONError) -> String {
        String(decoding: try readStringBytes(), as: UTF8.self)
    }

    private mutating func readHexQuad() throws(JSONError) -> UInt32 {
        guard offset + 4 <= bytes.count, let value = ASCII.parseHexadecimal(bytes[offset..<offset + 4]) else {
            throw .malformed(offset: offset, "four hex digits expected")
        }
        offset += 4
        return UInt32(value)
    }

    private mutating func appendUnicodeEscape(to decoded: inout [UInt8]) throws(JSONError) {
        var scalar = try readHexQuad()
        if scalar >= 0xD800 && scalar < 0xDC00 {
            guard peek == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                throw .malformed(offset: offset, "lone surrogate")
            }
            offset += 2
            let low = try readHexQuad()
            guard low >= 0xDC00 && low < 0xE000 else { throw .malformed(offset: offset, "lone surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if scalar >= 0xDC00 && scalar < 0xE000 {
            throw .malformed(offset: offset, "lone surrogate")
        }
        switch scalar {
        case 0..<0x80:
            decoded.append(UInt8(scalar))
        case 0x80..<0x800:
            decoded.append(UInt8(0xC0 | (scalar >> 6)))
            decoded.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            decoded.append(UInt8(0xE0 | (scalar >> 12)))
            decoded.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            decoded.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            decoded.append(UInt8(0xF0 | (scalar >> 18)))
            decoded.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            decoded.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            decoded.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}
