import CPosix

/// An IPv4 or IPv6 address with a TCP port, as name resolution finds it and a connect takes it.
public struct SocketAddress: Equatable, Sendable, CustomStringConvertible {
    public enum Family: Equatable, Sendable {
        case ipv4, ipv6
    }

    public var family: Family
    public var port: UInt16
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8]
    /// The interface of an IPv6 link-local address; 0 otherwise.
    public var scopeID: UInt32

    public init(family: Family, bytes: [UInt8], port: UInt16, scopeID: UInt32 = 0) {
        precondition(bytes.count == (family == .ipv4 ? 4 : 16), "an IPv4 address has 4 bytes, an IPv6 address 16")
        self.family = family
        self.bytes = bytes
        self.port = port
        self.scopeID = scopeID
    }

    init(_ raw: cposix_socket_address) {
        var raw = raw
        family = raw.family == 6 ? .ipv6 : .ipv4
        port = raw.port
        scopeID = raw.scope_id
        let length = family == .ipv4 ? 4 : 16
        bytes = withUnsafeBytes(of: &raw.address) { Array($0[0..<length]) }
    }

    var raw: cposix_socket_address {
        var raw = cposix_socket_address()
        raw.family = family == .ipv6 ? 6 : 4
        raw.port = port
        raw.scope_id = scopeID
        withUnsafeMutableBytes(of: &raw.address) { storage in
            for index in 0..<bytes.count { storage[index] = bytes[index] }
        }
        return raw
    }

    /// The address without the port, as `inet_ntop` writes it ("192.0.2.1", "2001:db8::1").
    public var addressText: String {
        var raw = self.raw
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &buffer) { storage in
            let length = cposix_format_address(&raw, storage.baseAddress!.assumingMemoryBound(to: CChar.self), storage.count)
            guard length > 0 else { return "?" }
            return String(decoding: UnsafeRawBufferPointer(rebasing: storage[0..<Int(length)]), as: UTF8.self)
        }
    }

    /// "192.0.2.1:443", "[2001:db8::1]:443".
    public var description: String {
        family == .ipv6 ? "[\(addressText)]:\(port)" : "\(addressText):\(port)"
    }
}
