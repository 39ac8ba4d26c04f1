/// Whether a request to the admin API may come from where it says it comes from.
///
/// The admin API listens on loopback and has no authentication, which a shell on the machine is
/// meant to have; a web page in a browser on the same machine is not. Browsers mark what a page
/// sends: an `Origin` on every cross-origin request (including the "simple" POSTs that need no
/// preflight) and `Sec-Fetch-Site`; and a DNS-rebinding page reaches loopback under its own host
/// name, which the browser sends as `Host`. So: the `Host` must name loopback, an `Origin` (if
/// any) must be this very host and port over http, and `Sec-Fetch-Site` (if any) must not say
/// another site. curl and scripts send only a loopback `Host`, and are unaffected.
enum AdminRequestOrigin {
    /// Why the request is refused, or nil when it may proceed.
    ///
    /// - Parameter authority: the request's `Host` (`CloudRequest/authority`).
    static func problem(headers: [HTTPHeaderField], authority: String) -> String? {
        guard isLoopback(authority: authority) else {
            return "Host '\(authority)' is not this machine's loopback (127.0.0.1, [::1] or localhost); "
                + "the admin API answers only requests made to loopback"
        }
        if let origin = headers.value(named: "Origin") {
            guard origin.lowercased() == "http://" + authority.lowercased() else {
                return "cross-site request from Origin '\(origin)' refused; the admin API takes requests from a shell "
                    + "(curl) or from its own page at http://\(authority)"
            }
        }
        if let site = headers.value(named: "Sec-Fetch-Site")?.lowercased(), site == "cross-site" || site == "same-site"
        {
            return "cross-site request (Sec-Fetch-Site: \(site)) refused"
        }
        return nil
    }

    /// `127.0.0.1`, `[::1]` or `localhost`, with or without a port.
    static func isLoopback(authority: String) -> Bool {
        let lowered = authority.lowercased()
        let host: Substring
        if lowered.hasPrefix("[") {
            guard let close = lowered.firstIndex(of: "]") else { return false }
            host = lowered[...close]
            let rest = lowered[lowered.index(after: close)...]
            guard rest.isEmpty || isPort(rest) else { return false }
        } else {
            let parts = lowered.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            guard parts.count == 1 || isPort(":" + parts[1]) else { return false }
        }
        return host == "127.0.0.1" || host == "[::1]" || host == "localhost"
    }

    private static func isPort(_ text: some StringProtocol) -> Bool {
        text.count >= 2 && text.count <= 6 && text.first == ":" && text.dropFirst().allSatisfy(\.isASCIIDigit)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
