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
    /// Leaf for `localhost`, `127.0.0.1` and any extra names, signed by the CA.
    public var certificateFile: String
    /// PKCS#8 PEM key of the leaf.
    public var privateKeyFile: String
    public var outcome: FileOutcome
    /// PKCS#8 PEM key of the CA, for signing stand-in server certificates; `nil` for an identity
    /// made without keeping it (a test's deliberately flawed one).
    public var caPrivateKeyFile: String? = nil
}

/// A device's client certificate and key: self-signed for an individual enrollment, or issued by
/// an intermediate CA for a group enrollment (see ``ChainDeviceIdentityFiles``).
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

/// One CA of a device chain, with its key kept so that more devices can be issued under it.
public struct CertificateAuthorityFiles: Sendable, Equatable {
    public var certificateFile: String
    /// Unencrypted PKCS#8 PEM, readable by the owner only.
    public var privateKeyFile: String
    public var certificate: Certificate
    public var certificateDER: [UInt8]
    public var outcome: FileOutcome
}

/// The root and intermediate CA that device chains are issued from.
public struct DeviceCertificateAuthorities: Sendable, Equatable {
    /// Self-signed; what a group enrollment (or a verifier) trusts.
    public var root: CertificateAuthorityFiles
    /// Signed by the root; signs the device certificates.
    public var intermediate: CertificateAuthorityFiles
}

/// A device certificate issued through an intermediate CA, as a group enrollment uses it.
public struct ChainDeviceIdentityFiles: Sendable, Equatable {
    public var authorities: DeviceCertificateAuthorities
    /// `certificateFile` holds the leaf alone; `privateKeyFile` the device key.
    public var device: DeviceIdentityFiles
    /// The leaf, then the intermediate: what the device presents in its TLS handshake, so that a
    /// verifier that trusts only the root can build the path.
    public var fullChainFile: String
}
