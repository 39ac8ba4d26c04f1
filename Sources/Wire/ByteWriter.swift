/// A bounded byte buffer that is filled front to back and reused.
///
/// Writes past the capacity are dropped and remembered, so a message is encoded with plain
/// appends and checked once with ``finish()`` — a request never silently loses its tail.
///
/// Storage up to ``eagerReservationLimit`` is reserved at once. A larger capacity is a ceiling
/// the storage grows toward only when a message needs it, and then keeps: a connection able to
/// send a 255 KiB batch commits that memory the first time it sends one, not before, and small
/// messages never grow it at all.
public struct ByteWriter {
    /// Reserved up front; beyond this the storage grows on demand.
    public static let eagerReservationLimit = 16 * 1024

    public internal(set) var bytes: [UInt8]
    public let capacity: Int
    public internal(set) var overflowed = false

    public init(capacity: Int) {
        self.capacity = capacity
        bytes = []
        bytes.reserveCapacity(min(capacity, Self.eagerReservationLimit))
    }

    /// The text that `write` produces, for logs and tests rather than the per-message path.
    public static func text(capacity: Int, _ write: (inout ByteWriter) -> Void) -> String {
        var writer = ByteWriter(capacity: capacity)
        write(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
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
        if bytes.count == bytes.capacity { reserve(bytes.count + 1) }
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
            reserve(capacity)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<room]))
            overflowed = true
            return
        }
        reserve(bytes.count + buffer.count)
        bytes.append(contentsOf: buffer)
    }

    public mutating func appendDecimal(_ value: Int) {
        ASCII.appendDecimal(value, to: &self)
    }

    /// - Throws: `WireError.capacityExceeded` when an append did not fit.
    public func finish() throws(WireError) {
        if overflowed { throw .capacityExceeded(capacity: capacity) }
    }

    /// Makes room for `needed` bytes, doubling as an array would but never past the capacity,
    /// so the ceiling is also the most a writer ever holds.
    mutating func reserve(_ needed: Int) {
        guard needed > bytes.capacity else { return }
        bytes.reserveCapacity(min(capacity, max(needed, bytes.capacity * 2)))
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
