import CPosix
import Sensors

/// `/dev/i2c-N`: the kernel's i2c-dev interface, as the drivers' `I2CBus`.
///
/// The target address is set with `I2C_SLAVE` only when it changes, and never with
/// `I2C_SLAVE_FORCE`: an address a kernel driver owns is reported as
/// ``I2CError/ownedByKernelDriver(bus:address:)`` rather than raced (sensor-facts.md §6).
/// Closing is explicit, as with ``FileDescriptor``.
///
/// An adapter that speaks SMBus only (a PC's SMBus controller, the kernel's `i2c-stub`) refuses
/// plain transfers with EOPNOTSUPP; there each transfer goes as the SMBus transaction that puts
/// the same bytes on the wire (``SMBusTransfer``), and one SMBus has none for is refused with
/// a message saying so.
public struct LinuxI2CBus: I2CBus {
    /// `/dev/i2c-1`.
    public let name: String
    private let descriptor: FileDescriptor
    /// False when the adapter lacks I2C_FUNC_I2C and every transfer must go as SMBus.
    public let doesPlainTransfers: Bool
    /// The address `I2C_SLAVE` last set; plain reads and writes and the SMBus calls go there.
    private var selected: I2CAddress?

    /// Opens `/dev/i2c-<number>` for reading and writing. The corresponding C function is `open`
    /// with O_RDWR | O_CLOEXEC.
    ///
    /// - Throws: `.busAbsent` when the node does not exist (I²C not enabled, or another number),
    ///   `.permissionDenied` when this user may not open it, `.failed` otherwise.
    public init(number: Int) throws(I2CError) {
        name = "/dev/i2c-\(number)"
        let result = cposix_i2c_open(Int32(clamping: number))
        guard result >= 0 else { throw Self.error(-result, opening: name) }
        descriptor = FileDescriptor(rawValue: result)
        // Should the adapter not answer I2C_FUNCS, plain transfers are tried and fail for themselves.
        doesPlainTransfers = cposix_i2c_plain_transfers(result) != 0
    }

    /// The corresponding C function is `close`.
    public func close() {
        descriptor.close()
    }

    /// One write transaction. The corresponding C function is `write`, after `ioctl(I2C_SLAVE)`
    /// when the address changed.
    public mutating func write(_ bytes: [UInt8], to address: I2CAddress) throws(I2CError) {
        guard doesPlainTransfers else {
            _ = try perform(SMBusTransfer.write(bytes), at: address, asked: "a \(bytes.count)-byte write")
            return
        }
        try select(address)
        let result = bytes.withUnsafeBufferPointer { cposix_i2c_write(descriptor.rawValue, $0.baseAddress, $0.count) }
        try check(result, at: address)
    }

    /// One read transaction of `count` bytes. The corresponding C function is `read`, after
    /// `ioctl(I2C_SLAVE)` when the address changed.
    public mutating func read(count: Int, from address: I2CAddress) throws(I2CError) -> [UInt8] {
        guard doesPlainTransfers else {
            return try perform(SMBusTransfer.read(count: count), at: address, asked: "a plain \(count)-byte read")
        }
        try select(address)
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBufferPointer { cposix_i2c_read(descriptor.rawValue, $0.baseAddress, $0.count) }
        try check(result, at: address)
        return bytes
    }

    /// The bytes written, a repeated START, then `count` bytes read, in one transaction. The
    /// corresponding C call is `ioctl(I2C_RDWR)` with two messages.
    public mutating func writeThenRead(_ bytes: [UInt8], count: Int, at address: I2CAddress) throws(I2CError) -> [UInt8] {
        guard doesPlainTransfers else {
            return try perform(
                SMBusTransfer.writeThenRead(bytes, count: count), at: address,
                asked: "a \(bytes.count)-byte write then a \(count)-byte read"
            )
        }
        // I2C_RDWR carries its own address and i2c-dev does not check it against bound drivers;
        // selecting first is what turns a kernel-owned address into an EBUSY instead of a race.
        try select(address)
        guard bytes.count <= Int(UInt16.max), count <= Int(UInt16.max) else {
            throw .failed(bus: name, address: address, errno: 22, text: "transfer longer than 65535 bytes")
        }
        var input = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeBufferPointer { out in
            input.withUnsafeMutableBufferPointer { into in
                cposix_i2c_write_read(descriptor.rawValue, address.value, out.baseAddress, UInt16(out.count), into.baseAddress, UInt16(into.count))
            }
        }
        try check(result, at: address)
        return input
    }

    /// The byte at `register` (SMBus "read byte data"), for identity reads that must not write
    /// anything a chip could take as a command. The corresponding C function is libi2c's
    /// `i2c_smbus_read_byte_data`.
    public mutating func readByteData(register: UInt8, at address: I2CAddress) throws(I2CError) -> UInt8 {
        try select(address)
        let result = cposix_i2c_smbus_read_byte_data(descriptor.rawValue, register)
        try check(result, at: address)
        return UInt8(truncatingIfNeeded: result)
    }

    /// The SMBus word at `register`. SMBus sends the low byte first, so a big-endian register
    /// (TMP102, LM75, MCP9808) arrives byte-swapped (sensor-facts.md §3.1). The corresponding C
    /// function is libi2c's `i2c_smbus_read_word_data`.
    public mutating func readWordData(register: UInt8, at address: I2CAddress) throws(I2CError) -> UInt16 {
        try select(address)
        let result = cposix_i2c_smbus_read_word_data(descriptor.rawValue, register)
        try check(result, at: address)
        return UInt16(truncatingIfNeeded: result)
    }

    /// `count` (at most 32) bytes from `register` on, as an I²C block read; what arrived, which
    /// may be fewer. The corresponding C function is libi2c's `i2c_smbus_read_i2c_block_data`.
    public mutating func readBlockData(register: UInt8, count: Int, at address: I2CAddress) throws(I2CError) -> [UInt8] {
        guard (0...32).contains(count) else {
            throw .failed(bus: name, address: address, errno: 22, text: "an I²C block read takes at most 32 bytes")
        }
        try select(address)
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBufferPointer {
            cposix_i2c_smbus_read_i2c_block_data(descriptor.rawValue, register, UInt8(count), $0.baseAddress)
        }
        try check(result, at: address)
        return Array(bytes.prefix(Int(result)))
    }

    /// Writes `value` to `register`. The corresponding C function is libi2c's
    /// `i2c_smbus_write_byte_data`.
    public mutating func writeByteData(_ value: UInt8, register: UInt8, at address: I2CAddress) throws(I2CError) {
        try select(address)
        try check(cposix_i2c_smbus_write_byte_data(descriptor.rawValue, register, value), at: address)
    }

    /// The SMBus transaction `transfer` on an adapter that speaks nothing else; what it read.
    /// - Throws: `.failed` with EOPNOTSUPP when SMBus has no transaction for what was `asked`.
    private mutating func perform(_ transfer: SMBusTransfer?, at address: I2CAddress, asked: String) throws(I2CError) -> [UInt8] {
        guard let transfer else {
            throw .failed(bus: name, address: address, errno: 95, text: "the adapter speaks SMBus only, and SMBus has no transaction for \(asked)")
        }
        switch transfer {
        case .quickWrite:
            try select(address)
            try check(cposix_i2c_smbus_write_quick(descriptor.rawValue), at: address)
            return []
        case .writeByte(let value):
            try select(address)
            try check(cposix_i2c_smbus_write_byte(descriptor.rawValue, value), at: address)
            return []
        case .writeByteData(let register, let value):
            try writeByteData(value, register: register, at: address)
            return []
        case .writeWordData(let register, let word):
            try select(address)
            try check(cposix_i2c_smbus_write_word_data(descriptor.rawValue, register, word), at: address)
            return []
        case .writeBlock(let register, let bytes):
            try select(address)
            let result = bytes.withUnsafeBufferPointer {
                cposix_i2c_smbus_write_i2c_block_data(descriptor.rawValue, register, UInt8($0.count), $0.baseAddress)
            }
            try check(result, at: address)
            return []
        case .readByte:
            try select(address)
            let result = cposix_i2c_smbus_read_byte(descriptor.rawValue)
            try check(result, at: address)
            return [UInt8(truncatingIfNeeded: result)]
        case .readByteData(let register):
            return [try readByteData(register: register, at: address)]
        case .readWordData(let register):
            let word = try readWordData(register: register, at: address)
            return [UInt8(truncatingIfNeeded: word), UInt8(truncatingIfNeeded: word >> 8)]
        case .readBlock(let register, let count):
            return try readBlockData(register: register, count: count, at: address)
        }
    }

    /// The corresponding C call is `ioctl(I2C_SLAVE)`.
    private mutating func select(_ address: I2CAddress) throws(I2CError) {
        guard selected != address else { return }
        let result = cposix_i2c_set_address(descriptor.rawValue, address.value)
        guard result >= 0 else {
            // A failed select leaves the kernel's address unknown to us.
            selected = nil
            throw Self.error(-result, bus: name, address: address, selecting: true)
        }
        selected = address
    }

    private func check(_ result: Int32, at address: I2CAddress) throws(I2CError) {
        guard result < 0 else { return }
        throw Self.error(-result, bus: name, address: address, selecting: false)
    }

    /// What an errno from `open` means for a bus node.
    static func error(_ number: Int32, opening bus: String) -> I2CError {
        switch number {
        case 2: return .busAbsent(bus: bus)                     // ENOENT
        case 1, 13: return .permissionDenied(bus: bus)          // EPERM, EACCES
        default: return .failed(bus: bus, address: nil, errno: number, text: Errno(rawValue: number).description)
        }
    }

    /// What an errno from a transfer (or from `I2C_SLAVE`, where EBUSY means a driver owns the
    /// address) means (sensor-facts.md §6).
    static func error(_ number: Int32, bus: String, address: I2CAddress, selecting: Bool) -> I2CError {
        switch number {
        // ENXIO, ENODEV (i2c-stub's answer for an empty address), EREMOTEIO (the Pi's NACK)
        case 6, 19, 121: return .noDevice(bus: bus, address: address)
        case 110: return .timedOut(bus: bus, address: address)                 // ETIMEDOUT
        case 16 where selecting: return .ownedByKernelDriver(bus: bus, address: address) // EBUSY
        case 1, 13: return .permissionDenied(bus: bus)                         // EPERM, EACCES
        default: return .failed(bus: bus, address: address, errno: number, text: Errno(rawValue: number).description)
        }
    }
}
