import Wire

/// Percent-encodes a path segment (RFC 3986 §2.3: only unreserved characters stay as they are),
/// as the SDKs do for ID scope, registration ID, operation ID and device ID.
enum PercentEncoding {
    static func appendPathSegment(_ text: String, to writer: inout ByteWriter) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                writer.append(byte)
            default:
                writer.append(UInt8(ascii: "%"))
                let digits: StaticString = "0123456789ABCDEF"
                digits.withUTF8Buffer { table in
                    writer.append(table[Int(byte >> 4)])
                    writer.append(table[Int(byte & 0x0F)])
                }
            }
        }
    }
}
