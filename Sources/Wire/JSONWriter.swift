/// Writes JSON strings with the escapes RFC 8259 §7 requires.
public enum JSONWriter {
    public static func appendString(_ text: String, to writer: inout ByteWriter) {
        writer.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
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
        writer.append(UInt8(ascii: "\""))
    }
}
