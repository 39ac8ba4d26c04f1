/// Base64 with the standard alphabet and padding (RFC 4648 §4), as HTTP Basic credentials
/// use it (RFC 7617 §2).
public enum Base64 {
    /// Appends the encoding of `bytes` to `writer`.
    public static func append(_ bytes: some Collection<UInt8>, to writer: inout ByteWriter) {
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        alphabet.withUTF8Buffer { table in
            var group: UInt32 = 0
            var filled = 0
            for byte in bytes {
                group = group << 8 | UInt32(byte)
                filled += 1
                if filled == 3 {
                    writer.append(table[Int(group >> 18 & 0x3F)])
                    writer.append(table[Int(group >> 12 & 0x3F)])
                    writer.append(table[Int(group >> 6 & 0x3F)])
                    writer.append(table[Int(group & 0x3F)])
                    group = 0
                    filled = 0
                }
            }
            guard filled > 0 else { return }
            // One or two bytes left: pad the group to 24 bits and mark the missing characters.
            group <<= filled == 1 ? 16 : 8
            writer.append(table[Int(group >> 18 & 0x3F)])
            writer.append(table[Int(group >> 12 & 0x3F)])
            writer.append(filled == 2 ? table[Int(group >> 6 & 0x3F)] : UInt8(ascii: "="))
            writer.append(UInt8(ascii: "="))
        }
    }

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var writer = ByteWriter(capacity: (bytes.count + 2) / 3 * 4)
        append(bytes, to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
