/// The SMBus transaction that puts the same bytes on the wire as a plain transfer, for adapters
/// that speak SMBus only; nil where there is none (a plain read of more than one byte, which
/// the Sensirion parts need, or more than 32 bytes at once).
enum SMBusTransfer: Equatable {
    /// Address and write bit only: how `i2cdetect` probes.
    case quickWrite
    /// One byte, no register.
    case writeByte(UInt8)
    /// A register and its value.
    case writeByteData(register: UInt8, value: UInt8)
    /// A register and two bytes: an SMBus word, whose low byte goes first on the wire.
    case writeWordData(register: UInt8, word: UInt16)
    /// A register, then 3–32 bytes (an I²C block write).
    case writeBlock(register: UInt8, bytes: [UInt8])
    /// One byte read with no register before it.
    case readByte
    /// The byte at a register: the register written, a repeated START, one byte read.
    case readByteData(register: UInt8)
    /// Two bytes from a register: an SMBus word, whose low byte is the first on the wire. Every
    /// SMBus controller reads words; not all do I²C block reads.
    case readWordData(register: UInt8)
    /// 3–32 bytes from a register on (an I²C block read, not the SMBus block read with a count).
    case readBlock(register: UInt8, count: Int)

    static func write(_ bytes: [UInt8]) -> SMBusTransfer? {
        switch bytes.count {
        case 0: return .quickWrite
        case 1: return .writeByte(bytes[0])
        case 2: return .writeByteData(register: bytes[0], value: bytes[1])
        case 3: return .writeWordData(register: bytes[0], word: UInt16(bytes[1]) | UInt16(bytes[2]) << 8)
        case 4...33: return .writeBlock(register: bytes[0], bytes: Array(bytes.dropFirst()))
        default: return nil
        }
    }

    static func read(count: Int) -> SMBusTransfer? {
        count == 1 ? .readByte : nil
    }

    static func writeThenRead(_ bytes: [UInt8], count: Int) -> SMBusTransfer? {
        guard bytes.count == 1 else { return nil }
        switch count {
        case 1: return .readByteData(register: bytes[0])
        case 2: return .readWordData(register: bytes[0])
        case 3...32: return .readBlock(register: bytes[0], count: count)
        default: return nil
        }
    }
}
