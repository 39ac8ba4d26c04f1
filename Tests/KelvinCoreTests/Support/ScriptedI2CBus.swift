import Sensors

/// A bus that answers from a register file or a queue of scripted replies, records every transfer
/// as text ("w 76: d0", "r 76: 1 -> 60", "wr 76: f7 / 8 -> …"), and injects failures.
struct ScriptedI2CBus: I2CBus {
    var name = "/dev/i2c-1"
    /// Register images per address: a write of one byte sets the register pointer; a read returns
    /// bytes from the pointer on (auto-increment).
    var registers: [UInt8: [UInt8: UInt8]] = [:]
    /// Registers wider than a byte, per address: a read after the pointer returns that register's
    /// bytes as the part sends them (MSB first), without running on into the next register, as on
    /// the TMP102, TMP117, MCP9808 and LM75, whose 16-bit registers a byte image cannot hold.
    var wideRegisters: [UInt8: [UInt8: [UInt8]]] = [:]
    /// Replies to plain reads, in order, per address (for command-based parts like the SHT3x). An
    /// empty reply is a NACK, as a Sensirion part gives while it is still measuring.
    var replies: [UInt8: [[UInt8]]] = [:]
    /// Addresses a kernel driver owns: every transfer there fails as `I2C_SLAVE` would (EBUSY).
    var ownedByKernel: Set<UInt8> = []
    /// Failures to raise on the next transfers, in order, regardless of address.
    var failures: [I2CError] = []
    private(set) var trace: [String] = []
    private var pointers: [UInt8: UInt8] = [:]

    init(name: String = "/dev/i2c-1") { self.name = name }

    mutating func write(_ bytes: [UInt8], to address: I2CAddress) throws(I2CError) {
        trace.append("w \(Self.hex(address.value)): \(Self.hex(bytes))")
        if !failures.isEmpty { throw failures.removeFirst() }
        if ownedByKernel.contains(address.value) { throw .ownedByKernelDriver(bus: name, address: address) }
        guard registers[address.value] != nil || wideRegisters[address.value] != nil || replies[address.value] != nil else {
            throw .noDevice(bus: name, address: address)
        }
        guard let first = bytes.first else { return }
        pointers[address.value] = first
        for (index, byte) in bytes.dropFirst().enumerated() {
            registers[address.value, default: [:]][first &+ UInt8(index)] = byte
        }
    }

    mutating func read(count: Int, from address: I2CAddress) throws(I2CError) -> [UInt8] {
        if !failures.isEmpty {
            trace.append("r \(Self.hex(address.value)): \(count) -> failure")
            throw failures.removeFirst()
        }
        var bytes: [UInt8]
        if var queue = replies[address.value], !queue.isEmpty {
            bytes = queue.removeFirst()
            replies[address.value] = queue
            if bytes.isEmpty {
                trace.append("r \(Self.hex(address.value)): \(count) -> nack")
                throw .noDevice(bus: name, address: address)
            }
        } else if let file = registers[address.value] {
            let start = pointers[address.value] ?? 0
            bytes = (0..<count).map { file[start &+ UInt8($0)] ?? 0 }
        } else {
            trace.append("r \(Self.hex(address.value)): \(count) -> nack")
            throw .noDevice(bus: name, address: address)
        }
        bytes = Array(bytes.prefix(count))
        trace.append("r \(Self.hex(address.value)): \(count) -> \(Self.hex(bytes))")
        return bytes
    }

    mutating func writeThenRead(_ bytes: [UInt8], count: Int, at address: I2CAddress) throws(I2CError) -> [UInt8] {
        let request = "wr \(Self.hex(address.value)): \(Self.hex(bytes)) / \(count)"
        if !failures.isEmpty {
            trace.append("\(request) -> failure")
            throw failures.removeFirst()
        }
        let result: [UInt8]
        if let wide = wideRegisters[address.value] {
            let value = bytes.first.flatMap { wide[$0] } ?? []
            result = (0..<count).map { $0 < value.count ? value[$0] : 0 }
        } else if let file = registers[address.value] {
            let start = bytes.first ?? pointers[address.value] ?? 0
            result = (0..<count).map { file[start &+ UInt8($0)] ?? 0 }
        } else {
            trace.append("\(request) -> nack")
            throw .noDevice(bus: name, address: address)
        }
        trace.append("\(request) -> \(Self.hex(result))")
        return result
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { hex($0) }.joined(separator: " ") }
}
