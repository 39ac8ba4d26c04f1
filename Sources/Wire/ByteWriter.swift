/// A bounded byte buffer that is filled front to back and reused.
///
/// Writes past the capacity are dropped and remembered, so a message is encoded with plain
/// appends and checked once with ``finish()`` — a request never silently loses its tail.
public struct ByteWriter {
    public private(set) var bytes: [UInt8]
    public let capacity: Int
    public private(set) var overflowed = false

    public init(capacity: Int) {
        self.capacity = capacity
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    /// Empties the buffer, keeping its storage for the next message.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        overflowed = false
    }

    public mutating func append(_ byte: UInt8) {
        guard bytes.count < capacity else {
            overflowed = true
            return
        }
        bytes.append(byte)
    }

    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { buffer in append(contentsOf: buffer) }
    }

    public mutating func append(_ text: String) {
        // Native strings are contiguous UTF-8: one copy instead of a checked append per byte.
        if text.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) != nil { return }
        for byte in text.utf8 { append(byte) }
    }

    public mutating func append(contentsOf other: [UInt8]) {
        other.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    public mutating func append(contentsOf other: ByteWriter) {
        append(contentsOf: other.bytes)
    }

    /// Copies the bytes in one go, up to the capacity; anything past it is dropped and remembered.
    public mutating func append(contentsOf buffer: UnsafeBufferPointer<UInt8>) {
        let room = capacity - bytes.count
        guard buffer.count <= room else {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<room]))
            overflowed = true
            return
        }
        bytes.append(contentsOf: buffer)
    }

    public mutating func appendDecimal(_ value: Int) {
        ASCII.appendDecimal(value, to: &self)
    }

    /// - Throws: `WireError.capacityExceeded` when an append did not fit.
    public func finish() throws(WireError) {
        if overflowed { throw .capacityExceeded(capacity: capacity) }
    }
}

public enum WireError: Error, Equatable, CustomStringConvertible {
    case capacityExceeded(capacity: Int)

    public var description: String {
        switch self {
        case .capacityExceeded(let capacity): return "message does not fit in its \(capacity)-byte buffer"
        }
    }
}
