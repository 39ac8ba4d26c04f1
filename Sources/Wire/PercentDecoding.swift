/// Percent-decoding (RFC 3986 §2.1), for the parts of a URL a person typed.
public enum PercentDecoding {
    /// The bytes `text` stands for; nil when a `%` is not followed by two hexadecimal digits.
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(text.count)
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                decoded.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = ASCII.parseHexadecimal([high, low][...]) else { return nil }
            decoded.append(UInt8(value))
        }
        return decoded
    }
}
