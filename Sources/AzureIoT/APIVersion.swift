import Wire

/// The `api-version` query value of a DPS or hub request: a date, `YYYY-MM-DD`, optionally
/// followed by `-preview` (protocol-facts.md §1.1, §3.1).
public struct APIVersion: Equatable, Sendable, CustomStringConvertible {
    /// Bytes rather than a String: comparing them needs no Unicode tables on the device.
    let bytes: [UInt8]

    /// Nil unless `text` is `YYYY-MM-DD` or `YYYY-MM-DD-preview` with month 01–12 and day 01–31.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard Self.isValid(bytes) else { return nil }
        self.bytes = bytes
    }

    /// For the versions this code names itself, which the tests parse.
    init(known text: StaticString) {
        bytes = text.withUTF8Buffer { Array($0) }
    }

    public func append(to writer: inout ByteWriter) {
        writer.append(contentsOf: bytes)
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    private static func isValid(_ bytes: [UInt8]) -> Bool {
        let dateLength = 10
        guard bytes.count == dateLength || (bytes.count > dateLength && ASCII.equals(bytes[dateLength...], "-preview")) else {
            return false
        }
        for index in [0, 1, 2, 3, 5, 6, 8, 9] where !ASCII.isDigit(bytes[index]) { return false }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        let month = Int(bytes[5] - 0x30) * 10 + Int(bytes[6] - 0x30)
        let day = Int(bytes[8] - 0x30) * 10 + Int(bytes[9] - 0x30)
        return (1...12).contains(month) && (1...31).contains(day)
    }
}
