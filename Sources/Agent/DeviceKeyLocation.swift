import Wire

/// Where the device's private key lives: a PEM file Kelvin reads, or a key an OpenSSL provider
/// holds (a TPM) that Kelvin only asks for signatures. Decided from `identity.key` and
/// `identity.key_provider` before anything is opened, so that a mix-up is one line.
public enum DeviceKeyLocation: Equatable, Sendable, CustomStringConvertible {
    case file(path: String)
    case provider(name: String, uri: String)

    /// The provider tpm2-openssl registers, and the URI scheme of its persistent handles.
    public static let tpmProvider = "tpm2"
    static let handleScheme = "handle:"

    /// - Throws: `DeviceKeyProblem` when the key and the provider do not fit together.
    public static func resolve(key: String, provider: String?) throws(DeviceKeyProblem) -> DeviceKeyLocation {
        guard let provider else {
            if ASCII.hasPrefix(key, handleScheme) { throw .handleWithoutProvider(key) }
            return .file(path: key)
        }
        guard key.utf8.contains(UInt8(ascii: ":")) else { throw .notAURI(key, provider: provider) }
        if ASCII.hasPrefix(key, handleScheme) {
            let digits = Array(key.utf8.dropFirst(handleScheme.utf8.count))
            guard let handle = parseHandle(digits), persistentHandles.contains(handle) else {
                throw .invalidHandle(key)
            }
        }
        return .provider(name: provider, uri: key)
    }

    /// TPM 2.0 persistent object handles (TPM 2.0 Part 2, §7.2: handle type 0x81).
    public static let persistentHandles: ClosedRange<UInt32> = 0x8100_0000...0x81FF_FFFF

    /// `0x81000001` (or without `0x`), as tpm2-openssl and tpm2-tools write handles.
    static func parseHandle(_ digits: [UInt8]) -> UInt32? {
        var text = digits[...]
        if text.count > 2, text[text.startIndex] == UInt8(ascii: "0"), text[text.startIndex + 1] | 0x20 == UInt8(ascii: "x") {
            text = text.dropFirst(2)
        }
        guard !text.isEmpty, text.count <= 8 else { return nil }
        var value: UInt32 = 0
        for byte in text {
            let lower = byte | 0x20
            let nibble: UInt8
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                nibble = byte - UInt8(ascii: "0")
            } else if lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f") {
                nibble = lower - UInt8(ascii: "a") + 10
            } else {
                return nil
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    public var description: String {
        switch self {
        case .file(let path): return "the file \(path)"
        case .provider(let name, let uri): return "\(uri) in the OpenSSL provider \(name)"
        }
    }
}

/// A key setting that cannot name a key, with the fix.
public enum DeviceKeyProblem: Error, Equatable, Sendable, CustomStringConvertible {
    case handleWithoutProvider(String)
    case notAURI(String, provider: String)
    case invalidHandle(String)

    public var description: String {
        switch self {
        case .handleWithoutProvider(let key):
            return "--key \(key) is a TPM handle, but no provider is named; add --key-provider tpm2 (identity.key_provider = \"tpm2\")"
        case .notAURI(let key, let provider):
            return "--key \(key) is not a URI, but the key is to come from the provider \(provider); give the key's URI, e.g. --key handle:0x81000001, or drop --key-provider for a PEM file"
        case .invalidHandle(let key):
            return "--key \(key) is not a TPM persistent handle; persistent handles run from handle:0x81000000 to handle:0x81ffffff (see tpm2_getcap handles-persistent)"
        }
    }
}
