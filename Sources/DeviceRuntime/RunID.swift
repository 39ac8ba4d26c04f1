import AzureIoT
import Wire

/// Message IDs are `<registration part>-<run ID>-<sequence>`: the same across retries of one
/// reading, and never repeated by a later run — a random run ID stays unique even when a board
/// without a real-time clock boots to the same wall-clock time twice.
///
/// IoT Hub takes message IDs of at most 128 characters (docs/azure-facts.md §4), and a
/// registration ID may itself be 128. So the registration part is the registration ID when it
/// leaves room for the run ID and the largest sequence number, and otherwise its head plus the
/// CRC-32 of the whole ID: two long IDs that share their head still differ, and the random run
/// ID keeps runs apart as before. IDs of up to ``maximumRegistrationPartLength`` characters — every
/// CN, which holds at most 64 — keep the prefix earlier versions gave them.
///
/// A spool written by an earlier version keeps the prefix it stored while its readings are
/// pending (`Spool.open` continues it), so that a retried reading keeps its message ID; the
/// shorter prefix starts with the first run that finds the spool empty.
enum RunID {
    /// The hub's limit on `iothub-messageid` (protocol-facts.md §3.1).
    static let maximumMessageIDLength = 128
    /// Four random bytes in hexadecimal.
    static let runIDLength = 8
    /// The digits of `Int64.max`: no sequence number is longer, on a 64-bit board or a 32-bit one.
    static let largestSequenceDigits = 19
    /// 99: what is left of 128 after `-<run ID>-<sequence>`.
    static let maximumRegistrationPartLength = maximumMessageIDLength - 1 - runIDLength - 1 - largestSequenceDigits
    /// `-` and the CRC-32 in hexadecimal, after a shortened head.
    static let checksumSuffixLength = 1 + 8

    static func messageIDPrefix(for registrationID: RegistrationID, random: inout SplitMix64) -> String {
        var writer = ByteWriter(capacity: 160)
        appendRegistrationPart(registrationID.value, to: &writer)
        writer.append(UInt8(ascii: "-"))
        let bits = random.next()
        for shift in stride(from: 56, through: 32, by: -8) {
            ASCII.appendHexadecimal(UInt8(truncatingIfNeeded: bits >> UInt64(shift)), to: &writer)
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The registration ID, or its head and `-<CRC-32>` when it is longer than
    /// ``maximumRegistrationPartLength``. Registration IDs are ASCII (DPS's rule), so bytes are
    /// characters.
    static func appendRegistrationPart(_ registrationID: String, to writer: inout ByteWriter) {
        let bytes = Array(registrationID.utf8)
        guard bytes.count > maximumRegistrationPartLength else {
            writer.append(contentsOf: bytes)
            return
        }
        writer.append(contentsOf: Array(bytes.prefix(maximumRegistrationPartLength - checksumSuffixLength)))
        writer.append(UInt8(ascii: "-"))
        let checksum = CRC32.checksum(bytes)
        for shift in stride(from: 24, through: 0, by: -8) {
            ASCII.appendHexadecimal(UInt8(truncatingIfNeeded: checksum >> UInt32(shift)), to: &writer)
        }
    }
}
