import Wire

/// An HTTP proxy that tunnels HTTPS with `CONNECT`, parsed from a URL as curl reads
/// `https_proxy`: `http://[user:password@]host[:port][/]`.
///
/// The scheme may be left out (curl assumes `http://`); the port defaults to 1080, curl's default
/// for HTTP proxies. User and password are percent-decoded and kept only as the ready
/// `Proxy-Authorization` value, so no description of the proxy ever shows them.
public struct HTTPProxy: Equatable, Sendable {
    /// curl's default port for a proxy URL without one.
    public static let defaultPort: UInt16 = 1080

    public let host: String
    public let port: UInt16
    /// `Basic <base64(user:password)>` (RFC 7617 §2), or nil when the URL names no user.
    public let authorization: String?
    /// Where the URL came from (`https_proxy`, `--proxy`), so that a message can name what to fix.
    public let source: String

    /// - Throws: the `ProxyURLError` naming the part of the URL at fault.
    public init(parsing url: String, source: String) throws(ProxyURLError) {
        self.source = source
        var rest = Array(url.utf8)[...]
        if let schemeEnd = Self.find(rest, "://") {
            let scheme = rest[rest.startIndex..<schemeEnd]
            if ASCII.equalsIgnoringCase(scheme, "https") { throw .tlsToProxy }
            guard ASCII.equalsIgnoringCase(scheme, "http") else {
                throw .unsupportedScheme(PrintableText.escaped(scheme))
            }
            rest = rest[(schemeEnd + 3)...]
        }
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        let trailer = rest[authorityEnd...]
        guard trailer.isEmpty || ASCII.equals(trailer, "/") else { throw .pathNotAllowed }
        var hostAndPort = rest[rest.startIndex..<authorityEnd]

        var authorization: String?
        if let at = hostAndPort.lastIndex(of: UInt8(ascii: "@")) {
            let userInfo = hostAndPort[hostAndPort.startIndex..<at]
            hostAndPort = hostAndPort[(at + 1)...]
            let colon = userInfo.firstIndex(of: UInt8(ascii: ":")) ?? userInfo.endIndex
            guard let user = PercentDecoding.decode(userInfo[userInfo.startIndex..<colon]),
                  let password = PercentDecoding.decode(userInfo[min(colon + 1, userInfo.endIndex)...])
            else { throw .invalidPercentEncoding }
            if !user.isEmpty || !password.isEmpty {
                var writer = ByteWriter(capacity: 6 + (user.count + password.count + 3) / 3 * 4)
                writer.append("Basic ")
                Base64.append(user + [UInt8(ascii: ":")] + password, to: &writer)
                authorization = String(decoding: writer.bytes, as: UTF8.self)
            }
        }
        self.authorization = authorization

        let hostBytes: ArraySlice<UInt8>
        var portBytes: ArraySlice<UInt8>?
        if hostAndPort.first == UInt8(ascii: "[") {
            guard let close = hostAndPort.firstIndex(of: UInt8(ascii: "]")) else { throw .invalidHost }
            hostBytes = hostAndPort[(hostAndPort.startIndex + 1)..<close]
            let after = hostAndPort[(close + 1)...]
            if let colon = after.first {
                guard colon == UInt8(ascii: ":") else { throw .invalidHost }
                portBytes = after.dropFirst()
            }
            guard !hostBytes.isEmpty, hostBytes.allSatisfy(Self.isIPv6LiteralByte) else { throw .invalidHost }
        } else {
            if let colon = hostAndPort.firstIndex(of: UInt8(ascii: ":")) {
                // More than one colon is an IPv6 literal without its brackets.
                guard hostAndPort.lastIndex(of: UInt8(ascii: ":")) == colon else { throw .invalidHost }
                hostBytes = hostAndPort[hostAndPort.startIndex..<colon]
                portBytes = hostAndPort[(colon + 1)...]
            } else {
                hostBytes = hostAndPort
            }
            guard hostBytes.allSatisfy(Self.isHostNameByte) else { throw .invalidHost }
        }
        guard !hostBytes.isEmpty else { throw .missingHost }
        host = String(decoding: hostBytes, as: UTF8.self)
        if let portBytes {
            guard portBytes.allSatisfy(ASCII.isDigit), let number = ASCII.parseDecimal(portBytes), number >= 1, number <= 65_535 else {
                throw .invalidPort(PrintableText.escaped(portBytes))
            }
            port = UInt16(number)
        } else {
            port = Self.defaultPort
        }
    }

    /// `host:port` for messages, IPv6 literals in brackets; never the credentials.
    public var address: String { ProxyConnect.authority(host: host, port: port) }

    static func isHostNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    static func isIPv6LiteralByte(_ byte: UInt8) -> Bool {
        ASCII.parseHexadecimal([byte][...]) != nil || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
    }

    private static func find(_ bytes: ArraySlice<UInt8>, _ needle: StaticString) -> Int? {
        needle.withUTF8Buffer { pattern -> Int? in
            guard bytes.count >= pattern.count else { return nil }
            for start in bytes.startIndex...(bytes.endIndex - pattern.count)
            where ASCII.equals(bytes[start..<(start + pattern.count)], needle) {
                return start
            }
            return nil
        }
    }
}

public enum ProxyURLError: Error, Equatable, CustomStringConvertible {
    case tlsToProxy
    case unsupportedScheme(String)
    case pathNotAllowed
    case invalidPercentEncoding
    case missingHost
    case invalidHost
    case invalidPort(String)

    public var description: String {
        switch self {
        case .tlsToProxy: return "https:// proxies (TLS to the proxy) are not supported"
        case .unsupportedScheme(let scheme): return "the scheme \"\(scheme)\" is not supported"
        case .pathNotAllowed: return "a proxy URL has no path, query or fragment"
        case .invalidPercentEncoding: return "the user or password has a % not followed by two hexadecimal digits"
        case .missingHost: return "it names no host"
        case .invalidHost: return "the host is not a name or an IP address ([...] for IPv6)"
        case .invalidPort(let port): return "the port \"\(port)\" is not a number from 1 to 65535"
        }
    }
}

/// Hosts that bypass the proxy, from `no_proxy`, matched as curl does: entries separated by commas
/// (or spaces); a lone `*` matches every host; a name matches itself and its subdomains, with or
/// without a leading dot (`example.com` and `.example.com` both match `a.example.com`, neither
/// matches `notexample.com`); IP literals (IPv6 without brackets, as curl wants them, or with)
/// match only themselves; case and a trailing dot do not matter.
///
/// Two departures, both documented: an entry with a port (`example.com:8443`) matches only that
/// port, where curl would never match it; and CIDR ranges (`10.0.0.0/8`) are skipped, where curl
/// 7.86+ matches IP literals against them.
public struct NoProxyList: Equatable, Sendable {
    struct Entry: Equatable, Sendable {
        var name: [UInt8]
        var port: UInt16?
    }

    private(set) var entries: [Entry] = []
    public private(set) var matchesEverything = false

    public init(_ text: String) {
        var token: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: ",") || byte == 0x20 || byte == 0x09 {
                add(token)
                token.removeAll(keepingCapacity: true)
            } else {
                token.append(byte)
            }
        }
        add(token)
    }

    public var isEmpty: Bool { entries.isEmpty && !matchesEverything }

    private mutating func add(_ token: [UInt8]) {
        guard !token.isEmpty else { return }
        if token == [UInt8(ascii: "*")] {
            matchesEverything = true
            return
        }
        if token.contains(UInt8(ascii: "/")) { return }
        var name = token[...]
        var port: UInt16?
        if name.first == UInt8(ascii: "[") {
            guard let close = name.firstIndex(of: UInt8(ascii: "]")) else { return }
            let after = name[(close + 1)...]
            name = name[(name.startIndex + 1)..<close]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":"), let parsed = Self.port(after.dropFirst()) else { return }
                port = parsed
            }
        } else if let colon = name.firstIndex(of: UInt8(ascii: ":")), name.lastIndex(of: UInt8(ascii: ":")) == colon {
            // One colon is name:port; more are an IPv6 literal.
            guard let parsed = Self.port(name[(colon + 1)...]) else { return }
            port = parsed
            name = name[name.startIndex..<colon]
        }
        let normalized = Self.normalize(name)
        guard !normalized.isEmpty else { return }
        entries.append(Entry(name: normalized, port: port))
    }

    /// True when a connection to `host`:`port` must not use the proxy.
    public func matches(host: String, port: UInt16) -> Bool {
        if matchesEverything { return true }
        var name = Array(host.utf8)[...]
        if name.first == UInt8(ascii: "["), name.last == UInt8(ascii: "]") { name = name.dropFirst().dropLast() }
        let host = Self.normalize(name)
        let isIPLiteral = host.contains(UInt8(ascii: ":")) || host.allSatisfy { ASCII.isDigit($0) || $0 == UInt8(ascii: ".") }
        for entry in entries where entry.port == nil || entry.port == port {
            if entry.name == host { return true }
            // A subdomain: the entry is a suffix that starts right after a dot.
            if !isIPLiteral, host.count > entry.name.count,
               host[host.count - entry.name.count - 1] == UInt8(ascii: "."),
               host[(host.count - entry.name.count)...].elementsEqual(entry.name) {
                return true
            }
        }
        return false
    }

    private static func normalize(_ name: ArraySlice<UInt8>) -> [UInt8] {
        var trimmed = name
        if trimmed.first == UInt8(ascii: ".") { trimmed = trimmed.dropFirst() }
        if trimmed.last == UInt8(ascii: ".") { trimmed = trimmed.dropLast() }
        return trimmed.map(ASCII.lowercased)
    }

    private static func port(_ text: ArraySlice<UInt8>) -> UInt16? {
        guard text.allSatisfy(ASCII.isDigit), let number = ASCII.parseDecimal(text), number >= 1, number <= 65_535 else { return nil }
        return UInt16(number)
    }
}

/// Which proxy, if any, each connection uses: the proxy unless `no_proxy` names the host.
public struct ProxySettings: Equatable, Sendable {
    public var proxy: HTTPProxy?
    public var exclusions: NoProxyList

    public static let direct = ProxySettings(proxy: nil, exclusions: NoProxyList(""))

    public init(proxy: HTTPProxy?, exclusions: NoProxyList) {
        self.proxy = proxy
        self.exclusions = exclusions
    }

    /// The proxy for a connection to `host`:`port`, nil to connect directly.
    public func proxy(forHost host: String, port: UInt16) -> HTTPProxy? {
        guard let proxy, !exclusions.matches(host: host, port: port) else { return nil }
        return proxy
    }

    /// The word that makes `--proxy` connect directly whatever the environment says.
    public static let noneOption: StaticString = "none"

    /// Settings from a `--proxy` option (a URL or `none`) and the environment, in curl's order:
    /// the option, else `https_proxy`, else `HTTPS_PROXY`; `no_proxy`, else `NO_PROXY`, applies
    /// to either. An empty variable counts as unset.
    /// - Throws: `ProxySettingsError` naming the option or variable whose URL is unusable.
    public static func resolve(option: String?, environment: (String) -> String?) throws(ProxySettingsError) -> ProxySettings {
        var exclusions = NoProxyList("")
        for name in ["no_proxy", "NO_PROXY"] {
            if let value = environment(name), !value.isEmpty {
                exclusions = NoProxyList(value)
                break
            }
        }
        if let option {
            if ASCII.equals(option.utf8, noneOption) { return ProxySettings(proxy: nil, exclusions: exclusions) }
            return ProxySettings(proxy: try parse(option, source: "--proxy"), exclusions: exclusions)
        }
        for name in ["https_proxy", "HTTPS_PROXY"] {
            if let value = environment(name), !value.isEmpty {
                return ProxySettings(proxy: try parse(value, source: name), exclusions: exclusions)
            }
        }
        return ProxySettings(proxy: nil, exclusions: exclusions)
    }

    private static func parse(_ url: String, source: String) throws(ProxySettingsError) -> HTTPProxy {
        do {
            return try HTTPProxy(parsing: url, source: source)
        } catch {
            throw ProxySettingsError(source: source, reason: error)
        }
    }
}

/// A proxy URL that cannot be used; the value itself is not repeated, as it may hold a password.
public struct ProxySettingsError: Error, Equatable, CustomStringConvertible {
    public let source: String
    public let reason: ProxyURLError

    public init(source: String, reason: ProxyURLError) {
        self.source = source
        self.reason = reason
    }

    public var description: String {
        if ASCII.equals(source.utf8, "--proxy") {
            return "--proxy is not a usable proxy URL: \(reason); give http://[user:password@]host[:port], or none"
        }
        return "\(source) is not a usable proxy URL: \(reason); set it to http://[user:password@]host[:port] or unset it"
    }
}
