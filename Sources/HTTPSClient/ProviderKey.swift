import COpenSSL

/// A private key held by an OpenSSL provider, a TPM through tpm2-openssl: opened by URI through
/// `OSSL_STORE`, never read. What fails is named by the provider, the URI and the fix.
public enum ProviderKey {
    /// The provider loaded and the key at `uri` opened; the caller frees it with `copenssl_key_free`.
    /// - Throws: the `TLSError` for a missing provider, an unreachable TPM, an empty handle.
    static func open(_ uri: String, provider: String) throws(TLSError) -> OpaquePointer {
        var detail = [CChar](repeating: 0, count: 256)
        let loaded = detail.withUnsafeMutableBufferPointer { copenssl_provider_load(provider, $0.baseAddress, $0.count) }
        switch loaded {
        case COPENSSL_LOADED.rawValue: break
        case COPENSSL_PROVIDER_MISSING.rawValue: throw .providerMissing(provider)
        case COPENSSL_PROVIDER_FAILED.rawValue: throw .providerFailed(provider, reason: text(detail))
        default: throw .contextUnavailable
        }
        var result: Int32 = 0
        if let key = copenssl_key_open(uri, &result) { return key }
        switch result {
        case COPENSSL_KEY_NOT_FOUND.rawValue: throw .providerKeyNotFound(uri: uri, provider: provider, reason: takeReason())
        case COPENSSL_STORE_FAILED.rawValue: throw .providerURIUnknown(uri: uri, provider: provider)
        case COPENSSL_KEY_NOT_EC.rawValue: throw .providerKeyNotEC(uri: uri)
        default: throw .contextUnavailable
        }
    }

    /// The key at `uri` as a person reads it ("EC P-256"), after it signed a test digest; nil
    /// when the provider answers but holds no key there.
    /// - Throws: the `TLSError` of a missing or failed provider, a key that cannot sign.
    public static func probe(_ uri: String, provider: String) throws(TLSError) -> String? {
        let key: OpaquePointer
        do {
            key = try open(uri, provider: provider)
        } catch {
            if case .providerKeyNotFound = error { return nil }
            throw error
        }
        defer { copenssl_key_free(key) }
        guard copenssl_key_test_signature(key) == 0 else { throw .requestNotSigned(uri: uri, reason: takeReason()) }
        return describe(key) ?? "key"
    }

    /// "EC P-256", "RSA 2048": the key's algorithm and size.
    static func describe(_ key: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = buffer.withUnsafeMutableBufferPointer { copenssl_key_describe(key, $0.baseAddress, $0.count) }
        return length > 0 ? text(buffer) : nil
    }

    /// Writes a PEM certificate signing request with subject CN `commonName`, signed by the key.
    /// - Throws: the `TLSError` of opening the key, or `.requestUnwritable` with the errno.
    public static func writeRequest(uri: String, provider: String, commonName: String, to path: String) throws(TLSError) {
        let key = try open(uri, provider: provider)
        defer { copenssl_key_free(key) }
        var osError: Int32 = 0
        switch copenssl_key_write_request(key, commonName, path, &osError) {
        case COPENSSL_LOADED.rawValue: return
        case COPENSSL_FILE_UNREADABLE.rawValue: throw .requestUnwritable(path: path, errno: osError)
        default: throw .requestNotSigned(uri: uri, reason: takeReason())
        }
    }

    private static func text(_ characters: [CChar]) -> String {
        let bytes = characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// OpenSSL's oldest queued reason, or a placeholder when the queue is empty.
    static func takeReason() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer { copenssl_key_take_error($0.baseAddress, $0.count) }
        return length > 0 ? text(buffer) : "no reason given"
    }
}
