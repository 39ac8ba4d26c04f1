import NIOSSL

/// What a new connection on a listener meets before any HTTP.
enum ConnectionGreeting {
    /// Plain HTTP: the loopback admin API.
    case plainHTTP
    /// A TLS handshake presenting this context's identity, a client certificate required.
    case mutualTLS(NIOSSLContext)
    /// The same with a hub's stand-in certificate (``HubTLSMode/notYetValid``,
    /// ``HubTLSMode/untrusted``), which the listener logs per connection: a device that refuses
    /// it may close without a word, and a test must still see that the mode was met.
    case standIn(NIOSSLContext, HubTLSMode)
    /// A captive portal's plain-HTTP redirect, whatever the client sends (``HubTLSMode/plainHTTP``).
    case captivePortal
}
