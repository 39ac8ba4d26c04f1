import NIOSSL

/// Which TLS versions the DPS and hub listeners negotiate (`serve --tls`), and the TLS 1.2
/// cipher suites they accept.
///
/// Real DPS speaks TLS 1.2 only, and classic `*.azure-devices.net` hubs negotiate TLS 1.2 with
/// the strong ECDHE suites Azure recommends (docs/azure-facts.md §10). NIOSSL would otherwise
/// always pick TLS 1.3 and its broad default list, a kinder peer than Azure.
public enum TLSVersions: String, Sendable, Equatable, CaseIterable {
    /// TLS 1.2 only, with ``azureCipherSuites``: what Azure's services negotiate.
    case tls12 = "1.2"
    /// TLS 1.3 only.
    case tls13 = "1.3"
    /// TLS 1.2 (with ``azureCipherSuites``) or 1.3, whichever the client prefers.
    case both

    /// The IoT Hub TLS 1.2 suites that BoringSSL (NIOSSL's TLS stack) implements, in OpenSSL's
    /// names, strongest first.
    ///
    /// Azure also lists `TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384` and
    /// `TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384`, which BoringSSL does not implement; a client
    /// offering only those is refused here, though Azure would accept it. The two CBC-SHA256
    /// suites are ones BoringSSL enables only when named, as here.
    public static let azureCipherSuites = [
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES128-SHA256",
        "ECDHE-RSA-AES128-SHA256",
    ]

    /// Sets the version range and the TLS 1.2 suites; TLS 1.3's suites are fixed by BoringSSL.
    func apply(to configuration: inout TLSConfiguration) {
        switch self {
        case .tls12:
            configuration.minimumTLSVersion = .tlsv12
            configuration.maximumTLSVersion = .tlsv12
        case .tls13:
            configuration.minimumTLSVersion = .tlsv13
            configuration.maximumTLSVersion = .tlsv13
        case .both:
            configuration.minimumTLSVersion = .tlsv12
            configuration.maximumTLSVersion = .tlsv13
        }
        configuration.cipherSuites = Self.azureCipherSuites.joined(separator: ":")
    }
}
