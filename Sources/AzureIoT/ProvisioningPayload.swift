import Wire

/// The JSON object sent as `payload` with a registration, for custom allocation policies and
/// Plug and Play model IDs (protocol-facts.md §1.3); checked once, when configured, so that a
/// typo is a configuration error rather than a DPS refusal.
public struct ProvisioningPayload: Equatable, Sendable {
    /// DPS refuses messages over 96 KB (§1.10); the rest of the body is a few hundred bytes.
    public static let maximumBytes = 64 * 1024

    public let json: [UInt8]

    /// - Throws: `ProvisioningPayloadError` when the text is not one JSON object or is too large.
    public init(json text: String) throws(ProvisioningPayloadError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maximumBytes else { throw .tooLarge(bytes: bytes.count) }
        do {
            _ = try JSONReader(bytes)
        } catch {
            throw .notJSON(error)
        }
        let isWhitespace = { (byte: UInt8) -> Bool in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = bytes.first(where: { !isWhitespace($0) }), first == UInt8(ascii: "{") else {
            throw .notAnObject
        }
        json = bytes
    }
}

public enum ProvisioningPayloadError: Error, Equatable, CustomStringConvertible {
    case notJSON(JSONError)
    case notAnObject
    case tooLarge(bytes: Int)

    public var description: String {
        switch self {
        case .notJSON(let error):
            return "the provisioning payload is not valid JSON (\(error)); give one JSON object, e.g. {\"modelId\":\"dtmi:com:example:Thermostat;1\"}"
        case .notAnObject:
            return "the provisioning payload must be a JSON object ({…}), as DPS passes it to the allocation policy"
        case .tooLarge(let bytes):
            return "the provisioning payload is \(bytes) bytes; keep it under \(ProvisioningPayload.maximumBytes) (DPS refuses messages over 96 KB)"
        }
    }
}
