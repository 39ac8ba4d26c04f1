import AzureIoT
import Wire

/// `kelvin key …`: making the device's identity where the key is held by hardware.
public enum KeyCommand: Equatable, Sendable {
    /// `key create --tpm [--handle H]`: an EC P-256 key made inside the TPM and persisted at `handle`.
    case create(handle: String)
    /// `key csr --registration-id ID --out FILE`: a certificate request for the configured key.
    case request(KeyRequestOptions)
}

/// What `kelvin key csr` needs: the key comes from the configuration (`identity.key` and
/// `identity.key_provider`, or their flags), as `run` would use it.
public struct KeyRequestOptions: Equatable, Sendable {
    public var registrationID: String
    public var outputPath: String
    public var configuration: ConfigurationRequest

    public init(registrationID: String, outputPath: String, configuration: ConfigurationRequest) {
        self.registrationID = registrationID
        self.outputPath = outputPath
        self.configuration = configuration
    }
}

extension CommandLineParser {
    /// The first free handle of the owner's persistent range is where tpm2-tools' own examples
    /// put a key, and what `--key handle:…` is documented with.
    public static let defaultTPMHandle = "0x81000001"

    /// The settings `key csr` takes: where the key is.
    static let keySettings: [SettingKey] = [.privateKey, .keyProvider]

    static func parseKey(_ arguments: ArraySlice<String>) throws(UsageError) -> Command {
        guard let action = arguments.first else { throw .missingValue("key (create or csr)") }
        let rest = arguments.dropFirst()
        if ASCII.equals(action, "create") { return .key(.create(handle: try parseKeyCreate(rest))) }
        if ASCII.equals(action, "csr") { return .key(.request(try parseKeyRequest(rest))) }
        throw .invalidValue("key", action, expected: "create or csr")
    }

    private static func parseKeyCreate(_ arguments: ArraySlice<String>) throws(UsageError) -> String {
        var tpm = false
        var handle = defaultTPMHandle
        var remaining = arguments
        while let option = remaining.first {
            remaining = remaining.dropFirst()
            switch CommandOption(option) {
            case .tpm?: tpm = true
            case .handle?:
                guard let value = remaining.first else { throw .missingValue(option) }
                remaining = remaining.dropFirst()
                handle = value
            default: throw .unknownOption(option, command: "key create")
            }
        }
        // Only a TPM for now; the flag keeps room for a key file or another provider later.
        guard tpm else { throw .missingOption(CommandOption.tpm.flag, command: "key create") }
        guard case .provider = try? DeviceKeyLocation.resolve(key: "handle:" + handle, provider: DeviceKeyLocation.tpmProvider)
        else {
            throw .invalidValue(CommandOption.handle.flag, handle, expected: "a TPM persistent handle from 0x81000000 to 0x81ffffff")
        }
        return handle
    }

    private static func parseKeyRequest(_ arguments: ArraySlice<String>) throws(UsageError) -> KeyRequestOptions {
        var registrationID: String?
        var outputPath: String?
        let request = try parseConfiguration(arguments, command: .key, settings: keySettings) {
            (option: CommandOption, cursor: inout OptionCursor) throws(UsageError) -> Bool in
            switch option {
            case .registrationID: registrationID = try cursor.value(for: option.flag)
            case .out: outputPath = try cursor.value(for: option.flag)
            default: return false
            }
            return true
        }
        guard let registrationID else { throw .missingOption(CommandOption.registrationID.flag, command: "key csr") }
        guard let outputPath else { throw .missingOption(CommandOption.out.flag, command: "key csr") }
        do {
            _ = try RegistrationID(commonName: registrationID)
        } catch {
            throw .invalidValue(CommandOption.registrationID.flag, registrationID, expected: "a DPS registration ID: it \(error)")
        }
        return KeyRequestOptions(registrationID: registrationID, outputPath: outputPath, configuration: request)
    }
}
