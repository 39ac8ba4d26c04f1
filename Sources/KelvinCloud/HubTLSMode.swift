/// What a hub's listener presents to new connections: the hub itself, or one of the ways a
/// network or a server goes wrong in the field. Switched while running with
/// ``CloudServer/setTLSMode(_:hubName:)`` or `POST /admin/hubs/{name}/tls`.
public enum HubTLSMode: String, Sendable, Equatable, CaseIterable {
    /// The configured server identity, with mutual TLS.
    case normal
    /// No TLS at all: the first bytes a client sends are answered with a plain-HTTP 302 to a
    /// login page, as a captive portal in front of the network does.
    case plainHTTP = "plain-http"
    /// A certificate for the same names, signed by the server CA the devices trust, whose
    /// validity starts tomorrow: how every certificate looks to a board whose clock is behind.
    case notYetValid = "not-yet-valid"
    /// A certificate for the same names from a CA made on the spot, which no device trusts: a
    /// proxy that intercepts TLS, or a server deployed with the wrong certificate.
    case untrusted
}
