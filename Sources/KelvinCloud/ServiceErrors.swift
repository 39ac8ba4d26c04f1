import Foundation

/// A DPS failure: an HTTP status, the 6-digit code and the message, rendered as
/// `ProvisioningServiceErrorDetails` with the `x-ms-error-code` header (protocol facts §1.5–1.7).
struct ProvisioningFailure: Equatable {
    var status: Int
    var errorCode: Int
    var message: String

    static func badRequest(_ message: String) -> Self {
        Self(status: 400, errorCode: 400004, message: message)
    }

    /// What DPS says for an unknown, mismatched or chain-less certificate.
    static let invalidCertificate = Self(status: 401, errorCode: 401002, message: "Invalid certificate.")

    static func notFound(_ message: String) -> Self {
        Self(status: 404, errorCode: 404201, message: message)
    }

    func response(at now: Date, using generator: inout some RandomNumberGenerator) -> CloudResponse {
        let body = JSONValue.object([
            ("errorCode", .integer(errorCode)),
            ("trackingId", .string(ServiceIdentifier.uuid(using: &generator))),
            ("message", .string(message)),
            ("timestampUtc", .string(WireTime.azureTimestamp(now))),
        ])
        return .json(
            status: status,
            body,
            headers: [
                HTTPHeaderField(name: "x-ms-error-code", value: String(errorCode)),
                HTTPHeaderField(name: "x-ms-request-id", value: ServiceIdentifier.uuid(using: &generator)),
            ],
            framing: .chunked
        )
    }
}

/// An IoT Hub failure, rendered in the current shape: a JSON document as a string inside
/// `Message`, plus the `iothub-errorcode` header naming the error (protocol facts §3.2).
struct HubFailure: Equatable {
    var status: Int
    var errorCode: Int
    /// The `iothub-errorcode` header value, e.g. `IotHubUnauthorized`.
    var errorName: String
    var message: String

    static func argumentInvalid(_ message: String) -> Self {
        Self(status: 400, errorCode: 400004, errorName: "ArgumentInvalid", message: message)
    }

    /// Unknown device or wrong thumbprint: both are 401003 at the real hub, not 404.
    static let unauthorized = Self(
        status: 401,
        errorCode: 401003,
        errorName: "IotHubUnauthorized",
        message: "Unauthorized"
    )

    static let messageTooLarge = Self(
        status: 413,
        errorCode: 413001,
        errorName: "MessageTooLarge",
        message: "Message size cannot exceed 262144 bytes"
    )

    static let notFound = Self(status: 404, errorCode: 404000, errorName: "NotFound", message: "Not found")

    func response(at now: Date, using generator: inout some RandomNumberGenerator) -> CloudResponse {
        let inner = JSONValue.object([
            ("errorCode", .integer(errorCode)),
            ("trackingId", .string(ServiceIdentifier.uuid(using: &generator))),
            ("message", .string(message)),
            ("timestampUtc", .string(WireTime.azureTimestamp(now))),
        ])
        let body = JSONValue.object([
            ("Message", .string(inner.serialized)),
            ("ExceptionMessage", .string("")),
        ])
        return .json(
            status: status,
            body,
            headers: [
                HTTPHeaderField(name: "iothub-errorcode", value: errorName),
                HTTPHeaderField(name: "x-ms-request-id", value: ServiceIdentifier.uuid(using: &generator)),
            ],
            framing: .contentLength
        )
    }
}
