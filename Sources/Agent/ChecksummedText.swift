import Wire

/// The envelope of Kelvin's small state files: text lines, the last `crc32=<8 lower-case hex
/// digits>`, the CRC-32 of every byte before it, and a final newline — so a write cut short
/// anywhere, or a flipped bit, is seen.
enum ChecksummedText {
    enum Problem: Error, Equatable {
        /// No final newline or no checksum line: the write was cut short.
        case truncated
        /// The checksum line (this 1-based line) is not 8 lower-case hex digits.
        case malformedChecksum(line: Int)
        case mismatch(stored: UInt32, computed: UInt32)
    }

    private static let checksumPrefix: StaticString = "crc32="

    /// Appends the checksum line for everything written so far.
    static func seal(_ writer: inout ByteWriter) {
        let checksum = CRC32.checksum(writer.bytes)
        writer.append(checksumPrefix)
        writer.append(hexadecimal(checksum))
        writer.append(UInt8(ascii: "\n"))
    }

    /// The lines before the checksum line (at least one), once the checksum matches.
    static func lines(_ bytes: [UInt8]) throws(Problem) -> [ArraySlice<UInt8>] {
        guard bytes.last == UInt8(ascii: "\n") else { throw .truncated }
        var lines = bytes.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.count >= 2, let checksumLine = lines.last,
              ASCII.equals(checksumLine.prefix(checksumPrefix.utf8CodeUnitCount), checksumPrefix) else {
            throw .truncated
        }
        let checksumDigits = checksumLine.dropFirst(checksumPrefix.utf8CodeUnitCount)
        // By hand rather than ASCII.parseHexadecimal: its Int is 32 bits on armv7.
        guard checksumDigits.count == 8 else { throw .malformedChecksum(line: lines.count) }
        var stored: UInt32 = 0
        for digit in checksumDigits {
            guard let nibble = lowerCaseHexadecimalValue(digit) else { throw .malformedChecksum(line: lines.count) }
            stored = stored << 4 | UInt32(nibble)
        }
        let computed = CRC32.checksum(bytes[..<checksumLine.startIndex])
        guard stored == computed else { throw .mismatch(stored: stored, computed: computed) }
        lines.removeLast()
        return lines
    }

    /// Eight lower-case hex digits, as the checksum line holds them.
    static func hexadecimal(_ value: UInt32) -> String {
        ASCII.hexadecimalString([UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                                 UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }

    static func lowerCaseHexadecimalValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
