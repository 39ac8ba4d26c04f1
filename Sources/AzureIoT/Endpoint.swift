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

    /// The `Host` header value (RFC 9110 §7.2): the port only when it is not the default.
    public var hostHeader: String { HostHeader.value(host: host, port: port) }

    public var description: String { hostHeader }

    private static func parsePort(_ bytes: ArraySlice<UInt8>) -> UInt16? {
        guard let value = ASCII.parseDecimal(bytes), value > 0, value <= 65535 else { return nil }
        return UInt16(value)
    }
}
