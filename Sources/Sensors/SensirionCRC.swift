/// The CRC-8 Sensirion appends to every 16-bit word its sensors send (sensor-facts.md §2.4):
/// polynomial 0x31 (x⁸ + x⁵ + x⁴ + 1), initial value 0xFF, no reflection, no final XOR.
/// The datasheet's check value: the CRC of `BE EF` is `92`.
///
/// Bit by bit rather than through a table: it covers two bytes a few times a minute, and a
/// 256-byte table would cost more flash than the time it saves.
public enum SensirionCRC {
    /// The checksum of `bytes` (the two bytes of one word, as they came off the wire).
    @inlinable
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt8 {
        var crc: UInt8 = 0xFF
        for byte in bytes {
            crc ^= byte
            for _ in 0..<8 {
                // Subtracting the top bit from 0 makes the mask without a branch.
                crc = (crc << 1) ^ (0x31 & (0 &- (crc >> 7)))
            }
        }
        return crc
    }
}
