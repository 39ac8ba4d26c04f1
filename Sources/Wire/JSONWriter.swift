/// Writes JSON strings with the escapes RFC 8259 §7 requires.
public enum JSONWriter {
    public static func appendString(_ text: String, to writer: inout ByteWriter) {
        writer.append(UInt8(ascii: "\""))
        appendEscaped(text.utf8, to: &writer)
        writer.append(UInt8(ascii: "\""))
    }

    /// The string's characters, escaped, without the quotes: for a string written in parts.
    public static func appendEscaped(_ bytes: some Sequence<UInt8>, to writer: inout ByteWriter) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): writer.append("\\\"")
            case UInt8(ascii: "\\"): writer.append("\\\\")
            case 0x0A: writer.append("\\n")
            case 0x0D: writer.append("\\r")
            case 0x09: writer.append("\\t")
            case 0..<0x20:
                writer.append("\\u00")
                ASCII.appendHexadecimal(byte, to: &writer)
            default: writer.append(byte)
            }
        }
    }
}
