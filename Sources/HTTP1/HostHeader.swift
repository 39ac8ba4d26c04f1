import Wire

/// The `Host` header value for an endpoint (RFC 9110 §7.2): IPv6 literals in brackets, the port
/// only when it is not HTTPS's 443.
public enum HostHeader {
    public static func value(host: String, port: UInt16) -> String {
        port == 443 ? literal(host) : ProxyConnect.authority(host: host, port: port)
    }

    /// The host as it appears in a URI authority: an IPv6 literal in brackets (RFC 3986 §3.2.2).
    static func literal(_ host: String) -> String {
        host.utf8.contains(UInt8(ascii: ":")) ? "[" + host + "]" : host
    }
}
