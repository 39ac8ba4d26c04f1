import HTTP1
import Testing
import Wire

@Suite struct ProxyURLTests {
    @Test func hostAndPort_withoutCredentials() throws {
        let proxy = try HTTPProxy(parsing: "http://proxy.lan:3128", source: "https_proxy")
        #expect(proxy.host == "proxy.lan")
        #expect(proxy.port == 3128)
        #expect(proxy.authorization == nil)
        #expect(proxy.address == "proxy.lan:3128")
        #expect(proxy.source == "https_proxy")
    }

    @Test func noPort_isCurlsDefault1080_andATrailingSlashIsFine() throws {
        let proxy = try HTTPProxy(parsing: "http://proxy.lan/", source: "https_proxy")
        #expect(proxy.port == 1080)
        #expect(proxy.host == "proxy.lan")
    }

    @Test func noScheme_isHTTP_asCurlAssumes() throws {
        let proxy = try HTTPProxy(parsing: "10.0.0.1:8080", source: "HTTPS_PROXY")
        #expect(proxy.host == "10.0.0.1")
        #expect(proxy.port == 8080)
    }

    @Test func upperCaseScheme_isAccepted() throws {
        #expect(try HTTPProxy(parsing: "HTTP://proxy:1", source: "x").port == 1)
    }

    @Test func credentials_arePercentDecodedIntoBasicAuthorization() throws {
        let proxy = try HTTPProxy(parsing: "http://Aladdin:open%20sesame@proxy.lan:3128", source: "https_proxy")
        #expect(proxy.authorization == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        #expect(proxy.host == "proxy.lan")
        // "user:p@ss" with the @ escaped; the last @ ends the user info even when one is not.
        #expect(try HTTPProxy(parsing: "http://user:p%40ss@proxy", source: "x").authorization == "Basic " + Base64.encode(Array("user:p@ss".utf8)))
        #expect(try HTTPProxy(parsing: "http://user:p@ss@proxy", source: "x").authorization == "Basic " + Base64.encode(Array("user:p@ss".utf8)))
        #expect(try HTTPProxy(parsing: "http://user@proxy", source: "x").authorization == "Basic " + Base64.encode(Array("user:".utf8)))
        #expect(try HTTPProxy(parsing: "http://@proxy", source: "x").authorization == nil)
    }

    @Test func ipv6Literal_inBrackets() throws {
        let proxy = try HTTPProxy(parsing: "http://[fd00::1]:3128", source: "x")
        #expect(proxy.host == "fd00::1")
        #expect(proxy.port == 3128)
        #expect(proxy.address == "[fd00::1]:3128")
        #expect(try HTTPProxy(parsing: "[::1]", source: "x").port == 1080)
    }

    @Test(arguments: [
        ("https://proxy:3128", ProxyURLError.tlsToProxy),
        ("socks5://proxy:1080", .unsupportedScheme("socks5")),
        ("http://proxy:3128/path", .pathNotAllowed),
        ("http://proxy:3128?x=1", .pathNotAllowed),
        ("http://us%zzer:pw@proxy", .invalidPercentEncoding),
        ("http://", .missingHost),
        ("http://user:pw@:3128", .missingHost),
        ("http://pro xy:3128", .invalidHost),
        ("http://[fd00::1:3128", .invalidHost),
        ("http://fd00::1:3128", .invalidHost),
        ("http://proxy:0", .invalidPort("0")),
        ("http://proxy:65536", .invalidPort("65536")),
        ("http://proxy:", .invalidPort("")),
        ("http://proxy:+80", .invalidPort("+80")),
        // Found by the proxy-url fuzz target: the part at fault was quoted raw, so a newline
        // or an escape sequence in the variable broke or forged the error line.
        ("ht\ntp://proxy", .unsupportedScheme("ht\\ntp")),
        ("http://proxy:80\u{1B}[2J", .invalidPort("80\\x1B[2J")),
    ])
    func unusableURL_namesThePartAtFault(url: String, error: ProxyURLError) {
        #expect(throws: error) { try HTTPProxy(parsing: url, source: "https_proxy") }
    }
}

@Suite struct NoProxyListTests {
    @Test func domainSuffix_matchesItselfAndSubdomains_withOrWithoutLeadingDot() {
        for text in ["example.com", ".example.com", "EXAMPLE.com."] {
            let list = NoProxyList(text)
            #expect(list.matches(host: "example.com", port: 443))
            #expect(list.matches(host: "dps.example.com", port: 443))
            #expect(list.matches(host: "a.b.Example.COM", port: 443))
            #expect(list.matches(host: "example.com.", port: 443))
            #expect(!list.matches(host: "notexample.com", port: 443))
            #expect(!list.matches(host: "example.com.org", port: 443))
            #expect(!list.matches(host: "com", port: 443))
        }
    }

    @Test func list_isSplitOnCommasAndSpaces() {
        let list = NoProxyList(" localhost, 127.0.0.1 ,,azure-devices.net  internal")
        #expect(list.matches(host: "localhost", port: 44300))
        #expect(list.matches(host: "127.0.0.1", port: 443))
        #expect(list.matches(host: "my-hub.azure-devices.net", port: 443))
        #expect(list.matches(host: "internal", port: 443))
        #expect(!list.matches(host: "global.azure-devices-provisioning.net", port: 443))
    }

    @Test func star_matchesEverything() {
        #expect(NoProxyList("*").matches(host: "anything.example", port: 1))
        #expect(NoProxyList("localhost,*").matchesEverything)
        #expect(!NoProxyList("*.example.com").matches(host: "a.example.com", port: 443))
    }

    @Test func ipLiterals_matchOnlyThemselves() {
        let list = NoProxyList("10.1.2.3,::1,[fd00::2]")
        #expect(list.matches(host: "10.1.2.3", port: 443))
        #expect(!list.matches(host: "110.1.2.3", port: 443))
        #expect(!NoProxyList("2.3").matches(host: "10.1.2.3", port: 443))
        #expect(list.matches(host: "::1", port: 443))
        #expect(list.matches(host: "[::1]", port: 443))
        #expect(list.matches(host: "FD00::2", port: 443))
        #expect(!list.matches(host: "fd00::1", port: 443))
    }

    @Test func entryWithPort_matchesOnlyThatPort() {
        let list = NoProxyList("example.com:8443,[::1]:443")
        #expect(list.matches(host: "hub.example.com", port: 8443))
        #expect(!list.matches(host: "hub.example.com", port: 443))
        #expect(list.matches(host: "::1", port: 443))
        #expect(!list.matches(host: "::1", port: 8443))
    }

    @Test func cidrRanges_andEmptyLists_matchNothing() {
        #expect(!NoProxyList("10.0.0.0/8").matches(host: "10.1.2.3", port: 443))
        #expect(NoProxyList("10.0.0.0/8").isEmpty)
        #expect(NoProxyList(" , ").isEmpty)
        #expect(!NoProxyList("").matches(host: "localhost", port: 443))
    }
}

@Suite struct ProxySettingsTests {
    func environment(_ values: [String: String]) -> (String) -> String? {
        { values[$0] }
    }

    @Test func lowerCaseVariable_winsOverUpperCase_asInCurl() throws {
        let settings = try ProxySettings.resolve(option: nil, environment: environment(["https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"]))
        #expect(settings.proxy?.host == "lower")
        #expect(settings.proxy?.source == "https_proxy")
        let upper = try ProxySettings.resolve(option: nil, environment: environment(["https_proxy": "", "HTTPS_PROXY": "http://upper:2"]))
        #expect(upper.proxy?.host == "upper")
        #expect(upper.proxy?.source == "HTTPS_PROXY")
    }

    @Test func nothingSet_connectsDirectly() throws {
        #expect(try ProxySettings.resolve(option: nil, environment: environment([:])) == .direct)
        // http_proxy is for plain HTTP; curl does not use it for https:// either.
        #expect(try ProxySettings.resolve(option: nil, environment: environment(["http_proxy": "http://p:1"])).proxy == nil)
    }

    @Test func option_overridesTheEnvironment_andNoneConnectsDirectly() throws {
        let env = environment(["https_proxy": "http://envproxy:1", "no_proxy": "example.com"])
        let flagged = try ProxySettings.resolve(option: "http://flag:3128", environment: env)
        #expect(flagged.proxy?.host == "flag")
        #expect(flagged.proxy?.source == "--proxy")
        // no_proxy still applies to a proxy given with --proxy, as in curl.
        #expect(flagged.proxy(forHost: "hub.example.com", port: 443) == nil)
        #expect(flagged.proxy(forHost: "dps.azure.net", port: 443)?.host == "flag")
        #expect(try ProxySettings.resolve(option: "none", environment: env).proxy == nil)
    }

    @Test func noProxy_lowerCaseFirst() throws {
        let settings = try ProxySettings.resolve(option: nil, environment: environment(["https_proxy": "p:1", "no_proxy": "a.example", "NO_PROXY": "b.example"]))
        #expect(settings.proxy(forHost: "a.example", port: 443) == nil)
        #expect(settings.proxy(forHost: "b.example", port: 443) != nil)
    }

    @Test func unusableURL_isAnErrorNamingTheVariable_withoutRepeatingThePassword() {
        #expect(throws: ProxySettingsError(source: "HTTPS_PROXY", reason: .invalidPort("99999"))) {
            try ProxySettings.resolve(option: nil, environment: environment(["HTTPS_PROXY": "http://user:secret@proxy:99999"]))
        }
        let error = ProxySettingsError(source: "https_proxy", reason: .tlsToProxy)
        #expect(error.description == "https_proxy is not a usable proxy URL: https:// proxies (TLS to the proxy) are not supported; set it to http://[user:password@]host[:port] or unset it")
        let flag = ProxySettingsError(source: "--proxy", reason: .invalidPort("x"))
        #expect(flag.description == "--proxy is not a usable proxy URL: the port \"x\" is not a number from 1 to 65535; give http://[user:password@]host[:port], or none")
    }
}

@Suite struct ProxyConnectTests {
    func encode(host: String, port: UInt16, authorization: String? = nil) throws -> String {
        var writer = ByteWriter(capacity: 512)
        try ProxyConnect.encodeRequest(host: host, port: port, authorization: authorization, into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func connectRequest_namesHostAndPortTwice() throws {
        #expect(try encode(host: "global.azure-devices-provisioning.net", port: 443)
            == "CONNECT global.azure-devices-provisioning.net:443 HTTP/1.1\r\nHost: global.azure-devices-provisioning.net:443\r\n\r\n")
    }

    @Test func connectRequest_withCredentials_andIPv6Target() throws {
        #expect(try encode(host: "::1", port: 8443, authorization: "Basic dTpw")
            == "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nProxy-Authorization: Basic dTpw\r\n\r\n")
    }

    @Test func hostThatWouldBreakTheRequest_isRefused() {
        #expect(throws: HTTPEncodeError.invalidHeader(name: "Host")) { try encode(host: "evil\r\nX: y", port: 443) }
        #expect(throws: HTTPEncodeError.invalidHeader(name: "Host")) { try encode(host: "user@host", port: 443) }
        #expect(throws: HTTPEncodeError.capacityExceeded(capacity: 16)) {
            var writer = ByteWriter(capacity: 16)
            try ProxyConnect.encodeRequest(host: "example.com", port: 443, authorization: nil, into: &writer)
        }
    }
}

@Suite struct ConnectResponseReaderTests {
    /// Feeds `text` in reads as large as the reader allows, as the socket loop does; returns the
    /// outcome and how many bytes were taken.
    func read(_ text: String, maximumHeadLength: Int = 8 * 1024) throws -> (ConnectResponseReader.Outcome, Int) {
        var reader = ConnectResponseReader(maximumHeadLength: maximumHeadLength)
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + reader.nextReadLength, bytes.count)
            let outcome = try reader.receive(bytes[offset..<end])
            offset = end
            if outcome != .needMoreData { return (outcome, offset) }
        }
        return (.needMoreData, offset)
    }

    @Test func established_stopsExactlyAtTheHead_leavingTheTunnelBytes() throws {
        let head = "HTTP/1.1 200 Connection established\r\nProxy-Agent: test\r\n\r\n"
        let (outcome, taken) = try read(head + "\u{16}\u{03}\u{01}TLS bytes")
        #expect(outcome == .established)
        #expect(taken == head.utf8.count)
    }

    @Test func http10AndOther2xx_areEstablished() throws {
        #expect(try read("HTTP/1.0 200 OK\r\n\r\n").0 == .established)
        #expect(try read("HTTP/1.1 204\r\n\r\n").0 == .established)
    }

    @Test func interimResponse_isSkipped() throws {
        let (outcome, taken) = try read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nX")
        #expect(outcome == .established)
        #expect(taken == 44)
    }

    @Test func refusals_carryStatusAndReason() throws {
        let required = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 5\r\n\r\ndenied"
        #expect(try read(required).0 == .refused(status: 407, reason: "Proxy Authentication Required"))
        #expect(try read("HTTP/1.1 403 Forbidden\r\n\r\n").0 == .refused(status: 403, reason: "Forbidden"))
        #expect(try read("HTTP/1.1 502\r\n\r\n").0 == .refused(status: 502, reason: ""))
        #expect(try read("HTTP/1.1 403 Bad\u{7}Bell\r\n\r\n").0 == .refused(status: 403, reason: "Bad?Bell"))
    }

    @Test func nextReadLength_neverReachesPastTheTerminator() throws {
        var reader = ConnectResponseReader()
        #expect(reader.nextReadLength == 4)
        _ = try reader.receive(Array("HTTP".utf8))
        #expect(reader.nextReadLength == 4)
        _ = try reader.receive(Array("/1.1".utf8))
        _ = try reader.receive(Array(" 200".utf8))
        _ = try reader.receive(Array("\r".utf8))
        #expect(reader.nextReadLength == 3)
        _ = try reader.receive(Array("\n".utf8))
        #expect(reader.nextReadLength == 2)
        _ = try reader.receive(Array("\r".utf8))
        #expect(reader.nextReadLength == 1)
        #expect(try reader.receive(Array("\n".utf8)) == .established)
    }

    @Test func garbage_isAParseError() {
        #expect(throws: HTTPParseError.invalidStatusLine) { try read("SSH-2.0-OpenSSH_9.2\r\n\r\n") }
        #expect(throws: HTTPParseError.invalidHeader) { try read("HTTP/1.1 200 OK\r\nno colon\r\n\r\n") }
        #expect(throws: HTTPParseError.headTooLarge(limit: 64)) { try read(String(repeating: "x", count: 100), maximumHeadLength: 64) }
    }

    @Test func closeBeforeAnAnswer_orInTheMiddleOfOne() throws {
        #expect(ConnectResponseReader().endOfStreamError == .closedBeforeResponse)
        var reader = ConnectResponseReader()
        _ = try reader.receive(Array("HTTP".utf8))
        #expect(reader.endOfStreamError == .truncated)
    }

    /// Found by fuzzing: a head whose final read both passed the limit and completed it was taken.
    @Test func headEndingInTheReadThatPassesTheLimit_isTooLarge() throws {
        let head = "HTTP/1.1 403 Forbidden\r\nX-Padding: " + String(repeating: "a", count: 27) + "\r\n\r\n"
        #expect(head.utf8.count == 66)
        #expect(throws: HTTPParseError.headTooLarge(limit: 64)) { try read(head, maximumHeadLength: 64) }
        #expect(try read(head, maximumHeadLength: 66).0 == .refused(status: 403, reason: "Forbidden"))
    }
}
