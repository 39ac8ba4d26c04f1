import COpenSSL
import Platform
import Wire

/// The device's TLS identity and trust: which CAs to believe, which certificate chain and key
/// to present. Loaded once, shared by every connection.
public final class TLSContext {
    public struct Configuration: Sendable {
        /// PEM CA certificates to trust; with ``trustedCADirectory`` nil as well, the system store.
        public var trustedCAPath: String?
        /// A directory of CA certificates named by subject hash (`openssl rehash DIR`).
        public var trustedCADirectory: String?
        /// The device certificate, leaf first, followed by any intermediates (group enrollments need them).
        public var certificateChainPath: String
        /// A PEM file, or with ``keyProvider`` the key's URI in that provider (`handle:0x81000001`).
        public var privateKeyPath: String
        /// An OpenSSL provider holding the key (`tpm2`), loaded at run time; nil for a PEM file.
        public var keyProvider: String?
        /// The key's passphrase bytes; empty for an unencrypted key.
        public var passphrase: [UInt8]

        public init(
            trustedCAPath: String?,
            trustedCADirectory: String? = nil,
            certificateChainPath: String,
            privateKeyPath: String,
            keyProvider: String? = nil,
            passphrase: [UInt8] = []
        ) {
            self.trustedCAPath = trustedCAPath
            self.trustedCADirectory = trustedCADirectory
            self.certificateChainPath = certificateChainPath
            self.privateKeyPath = privateKeyPath
            self.keyProvider = keyProvider
            self.passphrase = passphrase
        }
    }

    let handle: OpaquePointer
    /// The provider's key, kept for ``providerKeyDescription`` and ``testSignature()``.
    private var providerKey: OpaquePointer?

    /// Loads trust and identity, checking the key belongs to the certificate.
    /// - Throws: the `TLSError` naming the file at fault.
    public init(_ configuration: Configuration) throws(TLSError) {
        guard let handle = copenssl_context_new() else { throw .contextUnavailable }
        self.handle = handle
        var osError: Int32 = 0
        // OpenSSL opens these by path and reads them blocking: each is first opened the way
        // Kelvin opens a file (non-blocking, then fstat) so that a FIFO or a device is refused
        // with a line instead of hanging the start. Links are followed: a managed certificate
        // is often one.
        if let path = configuration.trustedCAPath { try Self.checkRegularFile(path, .trustFile) }
        try Self.checkRegularFile(configuration.certificateChainPath, .certificate)
        if configuration.keyProvider == nil { try Self.checkRegularFile(configuration.privateKeyPath, .key) }
        if let path = configuration.trustedCAPath {
            switch copenssl_context_trust_file(handle, path, &osError) {
            case COPENSSL_LOADED.rawValue: break
            case COPENSSL_FILE_UNREADABLE.rawValue: throw .trustFileUnreadable(path: path, Errno(rawValue: osError))
            default: throw .trustFileInvalid(path: path)
            }
        }
        if let path = configuration.trustedCADirectory {
            switch copenssl_context_trust_directory(handle, path, &osError) {
            case COPENSSL_LOADED.rawValue: break
            case COPENSSL_FILE_UNREADABLE.rawValue: throw .trustDirectoryUnreadable(path: path, Errno(rawValue: osError))
            default: throw .trustDirectoryUnreadable(path: path, Errno(rawValue: 0))
            }
        }
        if configuration.trustedCAPath == nil && configuration.trustedCADirectory == nil
            && copenssl_context_trust_system(handle) != COPENSSL_LOADED.rawValue
        {
            throw .systemTrustUnavailable
        }
        let certificatePath = configuration.certificateChainPath
        switch copenssl_context_use_certificate_chain(handle, certificatePath, &osError) {
        case COPENSSL_LOADED.rawValue: break
        case COPENSSL_FILE_UNREADABLE.rawValue: throw .certificateUnreadable(path: certificatePath, Errno(rawValue: osError))
        default: throw .certificateInvalid(path: certificatePath)
        }
        let keyPath = configuration.privateKeyPath
        if let provider = configuration.keyProvider {
            let key = try ProviderKey.open(keyPath, provider: provider)
            providerKey = key
            guard copenssl_context_use_key(handle, key) == COPENSSL_LOADED.rawValue else {
                throw .keyMismatch(keyPath: keyPath, certificatePath: certificatePath)
            }
            return
        }
        let result = configuration.passphrase.withUnsafeBufferPointer { passphrase in
            passphrase.withMemoryRebound(to: CChar.self) { characters in
                copenssl_context_use_private_key(handle, keyPath, characters.baseAddress, characters.count, &osError)
            }
        }
        switch result {
        case COPENSSL_LOADED.rawValue: break
        case COPENSSL_FILE_UNREADABLE.rawValue: throw .keyUnreadable(path: keyPath, Errno(rawValue: osError))
        case COPENSSL_PASSPHRASE_NEEDED.rawValue: throw .passphraseNeeded(path: keyPath)
        case COPENSSL_WRONG_PASSPHRASE.rawValue: throw .wrongPassphrase(path: keyPath)
        case COPENSSL_KEY_MISMATCH.rawValue: throw .keyMismatch(keyPath: keyPath, certificatePath: certificatePath)
        default: throw .keyInvalid(path: keyPath)
        }
    }

    deinit {
        copenssl_context_free(handle)
        copenssl_key_free(providerKey)
    }

    /// "EC P-256" for a key a provider holds; nil for a key file.
    public var providerKeyDescription: String? {
        providerKey.flatMap { ProviderKey.describe($0) }
    }

    /// Has the provider's key sign a random digest and checks the signature: nil when it signs,
    /// else OpenSSL's reason. A key file is read whole, so it needs no such test.
    public func testSignature() -> String? {
        guard let providerKey else { return nil }
        return copenssl_key_test_signature(providerKey) == 0 ? nil : ProviderKey.takeReason()
    }

    /// - Throws: `TLSError.notAFile`, or the role's `…Unreadable` with the errno.
    private static func checkRegularFile(_ path: String, _ role: TLSFileRole) throws(TLSError) {
        do {
            try Files.checkRegularFile(path)
        } catch {
            switch error {
            case .notARegularFile(_, let kind): throw .notAFile(path: path, kind, role)
            default:
                // Unreadable: OpenSSL's own open says which errno, with the role's fix.
                return
            }
        }
    }

    /// The subject CN of the device certificate: its DPS registration ID. Nil when it has none.
    public var certificateCommonName: String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer { copenssl_context_certificate_common_name(handle, $0.baseAddress, $0.count) }
        guard length >= 0 else { return nil }
        return String(decoding: buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The SHA-256 thumbprint of the device certificate, as DPS and the hub show it.
    public var certificateSHA256: [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        let rc = digest.withUnsafeMutableBufferPointer { copenssl_context_certificate_sha256(handle, $0.baseAddress) }
        return rc == 0 ? digest : []
    }

    /// Not-before and not-after of the device certificate, in seconds since 1970.
    public var certificateValidity: (notBefore: Int64, notAfter: Int64)? {
        var notBefore: Int64 = 0
        var notAfter: Int64 = 0
        guard copenssl_context_certificate_validity(handle, &notBefore, &notAfter) == 0 else { return nil }
        return (notBefore, notAfter)
    }

    /// What the certificate file holds besides the leaf, for explaining a group enrollment's
    /// refusal: a CA-signed leaf sent without its intermediates cannot be verified (§0.5).
    public var certificateChainShape: (intermediates: Int, leafIsSelfIssued: Bool)? {
        var intermediates: Int32 = 0
        var selfIssued: Int32 = 0
        guard copenssl_context_certificate_chain_shape(handle, &intermediates, &selfIssued) == 0 else { return nil }
        return (Int(intermediates), selfIssued != 0)
    }
}
