import Wire

/// `0x0117`, as datasheets write a register's value: for messages that name what was found.
public func hexText(_ word: UInt16) -> String {
    "0x" + ASCII.hexadecimalString([UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)])
}

/// `0x92`.
public func hexText(_ byte: UInt8) -> String {
    "0x" + ASCII.hexadecimalString([byte])
}
