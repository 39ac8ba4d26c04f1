/// ASCII number parsing and formatting without Foundation.
public enum ASCII {
    public static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    @inlinable
    public static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
    }

    /// Parses an optionally signed decimal integer that fills `bytes` entirely.
    public static func parseDecimal(_ bytes: ArraySlice<UInt8>) -> Int? {
        parseDecimal(bytes, as: Int.self)
    }

    /// The same at a chosen width: `Int64` for seconds since 1970, which outgrow the 32-bit
    /// `Int` of armv7 in 2038.
    public static func parseDecimal<Integer: FixedWidthInteger & SignedInteger>(
        _ bytes: ArraySlice<UInt8>,
        as type: Integer.Type
    ) -> Integer? {
        var index = bytes.startIndex
        var negative = false
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < bytes.endIndex else { return nil }
        var value: Integer = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard isDigit(byte) else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Integer(byte - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return negative ? -value : value
    }

    public static func parseDecimal(_ text: String) -> Int? {
        parseDecimal(ArraySlice(text.utf8))
    }

    /// Parses hexadecimal digits (chunk sizes), refusing values past `Int.max`.
    public static func parseHexadecimal(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            let digit: Int
            switch byte {
            case 0x30...0x39: digit = Int(byte - 0x30)
            case 0x41...0x46: digit = Int(byte - 0x41 + 10)
            case 0x61...0x66: digit = Int(byte - 0x61 + 10)
            default: return nil
            }
            guard value <= (Int.max - digit) / 16 else { return nil }
            value = value * 16 + digit
        }
        return value
    }

    public static func appendDecimal(_ value: Int, to writer: inout ByteWriter) {
        appendSignedDecimal(value, to: &writer)
    }

    /// For seconds since 1970 on armv7, where `Int` is 32 bits.
    public static func appendDecimal(_ value: Int64, to writer: inout ByteWriter) {
        appendSignedDecimal(value, to: &writer)
    }

    private static func appendSignedDecimal<Integer: FixedWidthInteger & SignedInteger>(_ value: Integer, to writer: inout ByteWriter) {
        if value < 0 {
            writer.append(UInt8(ascii: "-"))
        }
        // Work in the negative range so .min has a representation.
        var remaining = value < 0 ? value : -value
        // Room for the 19 digits of Int64.min.
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(truncatingIfNeeded: 0x30 - remaining % 10)
                remaining /= 10
                count += 1
            } while remaining != 0
            while count > 0 {
                count -= 1
                writer.append(buffer[count])
            }
        }
    }

    /// Exactly how many bytes ``appendDecimal(_:to:)`` writes for `value`.
    public static func decimalByteCount(_ value: Int) -> Int {
        var count = value < 0 ? 2 : 1
        // Negative range again, so Int.min needs no special case.
        var remaining = value < 0 ? value : -value
        while remaining <= -10 {
            remaining /= 10
            count += 1
        }
        return count
    }

    public static func decimalString(_ value: Int) -> String {
        ByteWriter.text(capacity: 24) { appendDecimal(value, to: &$0) }
    }

    public static func appendHexadecimal(_ byte: UInt8, to writer: inout ByteWriter) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { table in
            writer.append(table[Int(byte >> 4)])
            writer.append(table[Int(byte & 0x0F)])
        }
    }

    /// Lower-case hexadecimal of `bytes`, as thumbprints are usually shown.
    public static func hexadecimalString(_ bytes: [UInt8]) -> String {
        ByteWriter.text(capacity: bytes.count * 2) { writer in
            for byte in bytes { appendHexadecimal(byte, to: &writer) }
        }
    }

    /// Byte-wise equality ignoring ASCII case; cheaper than String comparison, which pulls in
    /// Unicode tables on the device.
    /// Inlinable so that callers in other modules get it specialized for their collection: the
    /// unspecialized generic boxes its iterator on the heap, once per call.
    @inlinable
    public static func equalsIgnoringCase(_ lhs: some Collection<UInt8>, _ rhs: StaticString) -> Bool {
        rhs.withUTF8Buffer { right in
            guard lhs.count == right.count else { return false }
            var index = 0
            for byte in lhs {
                if lowercased(byte) != lowercased(right[index]) { return false }
                index += 1
            }
            return true
        }
    }

    /// Byte-wise equality of two strings. String's `==` compares by canonical equivalence, which
    /// links the Unicode normalisation tables into the device binary; keys, flags and names from
    /// files and the network mean exactly their bytes.
    @inlinable
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8)
    }

    /// Both absent, or both present and equal byte for byte.
    @inlinable
    public static func equals(_ lhs: String?, _ rhs: String?) -> Bool {
        guard let lhs, let rhs else { return lhs == nil && rhs == nil }
        return equals(lhs, rhs)
    }

    /// `hasPrefix` byte for byte, for the same reason as `equals`.
    @inlinable
    public static func hasPrefix(_ text: String, _ prefix: String) -> Bool {
        text.utf8.starts(with: prefix.utf8)
    }

    /// `split` at an ASCII byte. String's own `split` walks Characters, whose boundaries come from
    /// the Unicode tables; an ASCII byte never falls inside a multi-byte sequence, so the pieces
    /// are whole UTF-8.
    public static func split(
        _ text: String,
        separator: UInt8,
        maxSplits: Int = .max,
        omittingEmptySubsequences: Bool = true
    ) -> [String] {
        text.utf8.split(separator: separator, maxSplits: maxSplits, omittingEmptySubsequences: omittingEmptySubsequences)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    @inlinable
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: StaticString) -> Bool {
        rhs.withUTF8Buffer { right in
            guard lhs.count == right.count else { return false }
            var index = 0
            for byte in lhs {
                if byte != right[index] { return false }
                index += 1
            }
            return true
        }
    }
}

extension Optional {
    /// Whether a value is there. `x != nil` on an optional of an `Equatable` type can resolve to
    /// the type's own `==`, which for a type holding a String compares Unicode-canonically and
    /// pulls the Unicode tables into an Embedded binary; this never compares.
    @inlinable
    public var isPresent: Bool {
        if case .some = self { return true }
        return false
    }
}
