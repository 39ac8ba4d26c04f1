import AzureIoT
import Wire

/// Message IDs are `<registration ID>-<run ID>-<sequence>`: the same across retries of one
/// reading, and never repeated by a later run — a random run ID stays unique even when a board
/// without a real-time clock boots to the same wall-clock time twice.
enum RunID {
    static func messageIDPrefix(for registrationID: RegistrationID, random: inout SplitMix64) -> String {
        var writer = ByteWriter(capacity: 160)
        writer.append(registrationID.value)
        writer.append(UInt8(ascii: "-"))
        let bits = random.next()
        for shift in stride(from: 56, through: 32, by: -8) {
            ASCII.appendHexadecimal(UInt8(truncatingIfNeeded: bits >> UInt64(shift)), to: &writer)
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
