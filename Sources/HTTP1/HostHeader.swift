import Wire

/// The `Host` header value for an endpoint (RFC 9110 §7.2): IPv6 literals in brackets, the port
/// only when it is not HTTPS's 443.
public enum HostHeader {
    public static func value(host: String, port: UInt16) -> String {
        let name = host.utf8.contains(UInt8(ascii: ":")) ? "[" + host + "]" : host
        return port == 443 ? name : name + ":" + ASCII.decimalString(Int(port))
    }
}
