/// Text from outside (a server's answer, a file) checked and escaped before it reaches a log
/// line, a header or a URL, where a newline or an escape sequence would forge a line or a field.
///
/// Controls are C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F): the terminal and
/// journal act on them, and no identifier or message of these protocols needs one.
public enum PrintableText {
    /// True when `bytes` are valid UTF-8 without a control character.
    public static func isClean(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): if isControl(scalar.value) { return false }
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    public static func isClean(_ text: String) -> Bool { isClean(text.utf8) }

    /// `bytes` with every control written as `\n`, `\r`, `\t` or `\xNN` (NN the code point),
    /// and every byte that is not UTF-8 as `\xNN`: one line, whatever came in.
    public static func escaped(_ bytes: some Collection<UInt8>) -> String {
        guard !isClean(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 16)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let length = scalarLength(bytes, at: index)
            let end = bytes.index(index, offsetBy: length)
            if length == 0 {
                appendEscape(bytes[index], to: &output)
                index = bytes.index(after: index)
                continue
            }
            let scalar = scalarValue(bytes[index..<end])
            if isControl(scalar) {
                switch scalar {
                case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                default: appendEscape(UInt8(truncatingIfNeeded: scalar), to: &output)
                }
            } else {
                output.append(contentsOf: bytes[index..<end])
            }
            index = end
        }
        return String(decoding: output, as: UTF8.self)
    }

    public static func escaped(_ text: String) -> String { escaped(text.utf8) }

    static func isControl(_ value: UInt32) -> Bool {
        value < 0x20 || (value >= 0x7F && value <= 0x9F)
    }

    private static func appendEscape(_ byte: UInt8, to output: inout [UInt8]) {
        let digits: StaticString = "0123456789ABCDEF"
        output += [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        digits.withUTF8Buffer { hex in
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0x0F)])
        }
    }

    /// The length of the valid UTF-8 sequence at `index`, or 0 when the bytes there are not one
    /// (a stray continuation byte, an overlong form, a surrogate, a cut-off sequence).
    private static func scalarLength<Bytes: Collection<UInt8>>(_ bytes: Bytes, at index: Bytes.Index) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard bytes.distance(from: index, to: bytes.endIndex) >= length else { return 0 }
        let sequence = bytes[index..<bytes.index(index, offsetBy: length)]
        var iterator = sequence.makeIterator()
        var decoder = UTF8()
        guard case .scalarValue = decoder.decode(&iterator) else { return 0 }
        return length
    }

    private static func scalarValue(_ bytes: some Collection<UInt8>) -> UInt32 {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return 0xFFFD }
        return scalar.value
    }
}
