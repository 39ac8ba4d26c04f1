/// CRC-32 as zlib, PNG and Ethernet compute it (IEEE 802.3 polynomial, reflected, 0xEDB88320,
/// initial and final XOR 0xFFFFFFFF): a check that a file written in one go came back whole.
///
/// Bit by bit rather than through a 1 KiB table: what it checks is a few kilobytes of state
/// written now and then, and the table would cost more flash than the time it saves.
public enum CRC32 {
    /// The checksum of `bytes`; pass an earlier result as `previous` to continue over more bytes,
    /// so that `checksum(b, continuing: checksum(a))` equals the checksum of `a` then `b`.
    @inlinable
    public static func checksum(_ bytes: some Sequence<UInt8>, continuing previous: UInt32 = 0) -> UInt32 {
        var crc = ~previous
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                // Subtracting the low bit from 0 makes the mask without a branch.
                crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1)))
            }
        }
        return ~crc
    }
}
