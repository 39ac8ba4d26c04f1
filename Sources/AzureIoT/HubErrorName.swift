import Wire

/// The hub's error names (the `iothub-errorcode` header, and `ErrorCode:<Name>` in the older
/// body shape) with the six-digit codes the newer shape carries.
///
/// Needed because the older shape has no number: without this table a 403 for an exhausted daily
/// quota would read as a refused identity, and the device would register with DPS again and again
/// — billable and useless. Names and codes: docs/azure-facts.md §1 (protocol-facts.md §3.2, from
/// the IoT Hub error-codes page, azure-docs `articles/iot-hub/troubleshoot-error-codes.md`).
public enum HubErrorName {
    /// Name and code, matched by bytes: string comparison would pull the Unicode tables into the
    /// device binary.
    static let table: [(name: StaticString, code: Int)] = [
        ("GenericBadRequest", 400_000),
        ("ArgumentInvalid", 400_004),
        ("IotHubFormatError", 400_006),
        ("InvalidContentEncodingOrType", 400_103),
        ("IotHubUnauthorizedAccess", 401_002),
        ("IotHubUnauthorized", 401_003),
        ("IotHubQuotaExceeded", 403_002),
        ("DeviceMaximumQueueDepthExceeded", 403_004),
        ("DeviceDisabled", 403_012),
        ("DeviceNotFound", 404_001),
        ("MessageTooLarge", 413_001),
        ("ThrottlingException", 429_001),
        ("ThrottleBacklogLimitExceeded", 429_002),
        ("DeviceThrottlingLimitExceeded", 429_005),
        ("ServerError", 500_001),
        ("GenericTimeout", 500_008),
        ("ServiceUnavailable", 503_001),
        ("ServerBusy", 503_005),
    ]

    /// The six-digit code for an error name, nil for a name not in the table.
    public static func code(named name: some Collection<UInt8>) -> Int? {
        for entry in table where ASCII.equals(name, entry.name) { return entry.code }
        return nil
    }

    /// The name in an older-shape `Message`, `ErrorCode:<Name>;<text>`; nil when the text does not
    /// start that way.
    static func name(inLegacyMessage message: String) -> Substring.UTF8View? {
        let prefix: StaticString = "ErrorCode:"
        let bytes = message.utf8
        let prefixLength = prefix.utf8CodeUnitCount
        guard bytes.count > prefixLength, ASCII.equals(bytes.prefix(prefixLength), prefix) else { return nil }
        let rest = bytes.dropFirst(prefixLength)
        let end = rest.firstIndex(of: UInt8(ascii: ";")) ?? rest.endIndex
        return rest[rest.startIndex..<end]
    }
}
