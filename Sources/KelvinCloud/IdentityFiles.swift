/// Whether a call that produces files wrote new ones or found usable ones already there.
public enum FileOutcome: String, Sendable, Equatable {
    case created
    case kept
}

/// The TLS server identity both emulator listeners present.
public struct ServerIdentityFiles: Sendable, Equatable {
    /// Self-signed CA that devices and curl trust (`--cacert`).
    public var caCertificateFile: String
    /// Leaf for `localhost` and `127.0.0.1`, signed by the CA.
    public var certificateFile: String
    /// PKCS#8 PEM key of the leaf.
    public var privateKeyFile: String
    public var outcome: FileOutcome
}

/// A device's self-signed client certificate and key, as an individual enrollment uses them.
public struct DeviceIdentityFiles: Sendable, Equatable {
    public var certificateFile: String
    /// Unencrypted PKCS#8 PEM, ECDSA P-256.
    public var privateKeyFile: String
    public var registrationID: String
    public var thumbprint: CertificateThumbprint
    public var outcome: FileOutcome
}
