import Wire

/// A broken promise of the code under test: trap, so libFuzzer keeps the input as a crash.
/// The message names the invariant, which is what the report shows first.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant: \(message())") }
}

/// The fuzzer's bytes, read front to back: a few control bytes that steer the harness (which
/// limits, which status, where to cut), then the payload. Reading past the end gives zeros,
/// so every input is a valid scenario.
struct FuzzInput {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// The next `count` bytes as a little-endian number.
    mutating func integer(bytes count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<count { value |= UInt64(byte()) << UInt64(8 * index) }
        return value
    }

    /// Up to `count` bytes, fewer at the end.
    mutating func take(_ count: Int) -> [UInt8] {
        let end = min(offset + count, bytes.count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// The next length byte's worth of bytes.
    mutating func field() -> [UInt8] { take(Int(byte())) }

    /// Everything not read yet.
    mutating func rest() -> [UInt8] { take(bytes.count - offset) }
}

/// Whether a message for a person is one clean line: UTF-8 without control characters (no line
/// break, no terminal escape), so that a hostile value cannot forge or hide a log line. A tab
/// is let through: it moves the cursor, nothing more.
func isOneCleanLine(_ text: String) -> Bool {
    PrintableText.isClean(text.utf8.filter { $0 != 0x09 })
}

/// Splits `bytes` at every 0xFF, a byte that never appears in UTF-8 text: how a harness takes
/// several texts (a URL and a host list, a file per sysfs path) from one input.
func texts(_ bytes: [UInt8], count: Int) -> [[UInt8]] {
    var parts = bytes.split(separator: 0xFF, maxSplits: count - 1, omittingEmptySubsequences: false).map(Array.init)
    while parts.count < count { parts.append([]) }
    return parts
}

/// Percent-encodes everything but RFC 3986's unreserved characters: the writer side of the
/// URL parts the readers percent-decode.
func percentEncoded(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.append(byte)
        default:
            out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// The bytes of a String, for comparisons that must not go through Unicode equivalence.
func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }
