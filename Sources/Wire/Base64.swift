/// Base64 with the standard alphabet and padding (RFC 4648 §4), as HTTP Basic credentials
/// (RFC 7617 §2) and IoT Hub batch bodies (protocol-facts.md §3.4) use it.
public enum Base64 {
    /// Appends the encoding of `bytes` to `writer`.
    public static func append(_ bytes: some Collection<UInt8>, to writer: inout ByteWriter) {
        alphabet.withUTF8Buffer { table in
            var group: UInt32 = 0
            var filled = 0
            for byte in bytes {
                group = group << 8 | UInt32(byte)
                filled += 1
                if filled == 3 {
                    appendCharacters(characters(of: group, filled: 3, table: table), to: &writer)
                    group = 0
                    filled = 0
                }
            }
            guard filled > 0 else { return }
            appendCharacters(characters(of: group << (filled == 1 ? 16 : 8), filled: filled, table: table), to: &writer)
        }
    }

    /// Replaces the bytes of `writer` from `start` on with their encoding, in place: a message
    /// is written once, then wrapped, with no second buffer.
    ///
    /// When the encoding does not fit the capacity, the bytes stay as they were and the writer
    /// reports the overflow from ``ByteWriter/finish()``.
    public static func encodeInPlace(_ writer: inout ByteWriter, from start: Int) {
        let plainCount = writer.count - start
        guard plainCount > 0 else { return }
        let encodedCount = encodedByteCount(plainCount)
        guard start + encodedCount <= writer.capacity else {
            writer.overflowed = true
            return
        }
        writer.reserve(start + encodedCount)
        writer.bytes.append(contentsOf: repeatElement(0, count: encodedCount - plainCount))
        alphabet.withUTF8Buffer { table in
            writer.bytes.withUnsafeMutableBufferPointer { buffer in
                // Last group first: a group's four characters land at or after its three bytes,
                // so going backwards never overwrites a byte not yet read.
                var group = (plainCount - 1) / 3
                while group >= 0 {
                    let input = start + group * 3
                    let output = start + group * 4
                    let filled = min(3, plainCount - group * 3)
                    var bits: UInt32 = 0
                    for offset in 0..<3 {
                        bits = bits << 8 | (offset < filled ? UInt32(buffer[input + offset]) : 0)
                    }
                    let encoded = characters(of: bits, filled: filled, table: table)
                    buffer[output] = encoded.0
                    buffer[output + 1] = encoded.1
                    buffer[output + 2] = encoded.2
                    buffer[output + 3] = encoded.3
                    group -= 1
                }
            }
        }
    }

    /// The length of the encoding of `count` bytes: four characters per started group of three.
    public static func encodedByteCount(_ count: Int) -> Int {
        (count + 2) / 3 * 4
    }

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        ByteWriter.text(capacity: encodedByteCount(bytes.count)) { append(bytes, to: &$0) }
    }

    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    /// The four characters of a 24-bit group holding `filled` (1...3) bytes, left-aligned; a
    /// group short of bytes is padded with `=`.
    private static func characters(of group: UInt32, filled: Int, table: UnsafeBufferPointer<UInt8>) -> (UInt8, UInt8, UInt8, UInt8) {
        (
            table[Int(group >> 18 & 0x3F)],
            table[Int(group >> 12 & 0x3F)],
            filled >= 2 ? table[Int(group >> 6 & 0x3F)] : UInt8(ascii: "="),
            filled == 3 ? table[Int(group & 0x3F)] : UInt8(ascii: "=")
        )
    }

    private static func appendCharacters(_ characters: (UInt8, UInt8, UInt8, UInt8), to writer: inout ByteWriter) {
        writer.append(characters.0)
        writer.append(characters.1)
        writer.append(characters.2)
        writer.append(characters.3)
    }
}
