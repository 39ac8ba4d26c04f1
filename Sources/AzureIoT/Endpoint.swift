import HTTP1
import Wire

/// A host and TCP port to reach a service on.
///
/// DPS and real hubs are on 443, and DPS's `assignedHub` is a bare host name; the local
/// emulator answers `assignedHub` as `host:port`, so both forms are accepted.
public struct Endpoint: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16 = 443) {
        self.host = host
        self.port = port
    }

    /// By the host's bytes, as the synthesized `==` would not: it compares by Unicode rules,
    /// which links the normalisation tables into the device for a name that is ASCII anyway.
    public static func == (lhs: Endpoint, rhs: Endpoint) -> Bool {
        lhs.port == rhs.port && ASCII.equals(lhs.host, rhs.host)
    }

    /// Parses `host`, `host:port` or `[v6-literal]:port`; nil when the text is not one.
    public init?(parsing text: String, defaultPort: UInt16 = 443) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        for byte in bytes where byte <= 0x20 || byte == UInt8(ascii: "/") || byte >= 0x7F { return nil }
        if bytes[0] == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return nil }
            host = String(decoding: bytes[1..<close], as: UTF8.self)
            if close + 1 == bytes.count {
                port = defaultPort
                return
            }
            guard bytes[close + 1] == UInt8(ascii: ":"), let parsed = Self.parsePort(bytes[(close + 2)...]) else { return nil }
            port = parsed
            return
        }
        let colons = bytes.filter { $0 == UInt8(ascii: ":") }.count
        if colons == 1, let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            guard colon > 0, let parsed = Self.parsePort(bytes[(colon + 1)...]) else { return nil }
            host = String(decoding: bytes[..<colon], as: UTF8.self)
            port = parsed
        } else {
            host = text
            port = defaultPort
        }
    }

    /// Parses a DNS host name with an optional `:port`, as DPS's `assignedHub` must be: letters,
    /// digits, `-` and `.`, labels of 1 to 63 bytes, at most 253 in all (RFC 1035 §2.3.4), and a
    /// port of 1 to 65535. Nil for anything else — `user@host`, a path, a space, an IP-v6
    /// literal — since the text becomes a connection's host, its SNI and its `Host` header.
    public init?(hostName text: String, defaultPort: UInt16 = 443) {
        let bytes = Array(text.utf8)
        var hostEnd = bytes.endIndex
        var port = defaultPort
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            guard let parsed = Self.parsePort(bytes[(colon + 1)...]), bytes[(colon + 1)...].allSatisfy(ASCII.isDigit) else { return nil }
            hostEnd = colon
            port = parsed
        }
        let host = bytes[..<hostEnd]
        guard !host.isEmpty, host.count <= 253 else { return nil }
        for label in host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= 63 else { return nil }
            for byte in label {
                let allowed = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || ASCII.isDigit(byte) || byte == UInt8(ascii: "-")
                guard allowed else { return nil }
            }
        }
        self.host = String(decoding: host, as: UTF8.self)
        self.port = port
    }

    /// What ``init(hostName:defaultPort:)`` takes, for the line that refuses a value.
    public static let hostNameRule = "a host name (letters, digits, - and . in labels of 1 to 63, at most 253 in all) with an optional :port from 1 to 65535"

    /// The `Host` header value (RFC 9110 §7.2): the port only when it is not the default.
    public var hostHeader: String { HostHeader.value(host: host, port: port) }

    public var description: String { hostHeader }

    private static func parsePort(_ bytes: ArraySlice<UInt8>) -> UInt16? {
        guard let value = ASCII.parseDecimal(bytes), value > 0, value <= 65535 else { return nil }
        return UInt16(value)
    }
}
