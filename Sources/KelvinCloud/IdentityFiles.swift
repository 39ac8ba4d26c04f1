import X509

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

/// A device's client certificate and key: self-signed for an individual enrollment, or issued by
/// an intermediate CA for a group enrollment.
public struct DeviceIdentityFiles: Sendable, Equatable {
    /// The device certificate alone.
    public var certificateFile: String
    /// PKCS#8 PEM; `ENCRYPTED PRIVATE KEY` when ``isPrivateKeyEncrypted``.
    public var privateKeyFile: String
    public var registrationID: String
    public var thumbprint: CertificateThumbprint
    public var outcome: FileOutcome
    public var keyAlgorithm: DeviceKeyAlgorithm
    public var isPrivateKeyEncrypted: Bool
    /// The certificate in `certificateFile`, for checks that need no file.
    public var certificate: Certificate
    public var certificateDER: [UInt8]
}
