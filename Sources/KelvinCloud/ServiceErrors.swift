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

    /// DPS's error for a status a fault script chose without a body.
    static func scripted(status: Int) -> Self {
        let messages: [Int: String] = [
            400: "Bad request.", 401: "Invalid certificate.", 404: "Not found.", 409: "Precondition failed.",
            429: "Too many requests.", 500: "Internal server error.", 503: "Service unavailable.",
        ]
        let code = status == 401 ? 401002 : status == 409 ? 409203 : status * 1000 + 1
        return Self(status: status, errorCode: code, message: messages[status] ?? "Error.")
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

/// Which of its two error bodies the hub answers with (docs/azure-facts.md §1, protocol facts
/// §3.2). Real hubs have sent both; a device must classify either.
public enum HubErrorShape: String, Sendable, Equatable, CaseIterable {
    /// `{"Message":"{\"errorCode\":403002,…}","ExceptionMessage":""}`: a JSON document as a
    /// string inside `Message`, with the six-digit code.
    case new
    /// `{"Message":"ErrorCode:IotHubQuotaExceeded;…","ExceptionMessage":"Tracking ID:…"}`: only
    /// the error's name, no number.
    case legacy
}

/// An IoT Hub failure, rendered in either ``HubErrorShape``, plus the `iothub-errorcode` header
/// naming the error (protocol facts §3.2).
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

    static let deviceDisabled = Self(
        status: 403,
        errorCode: 403012,
        errorName: "DeviceDisabled",
        message: "Device is disabled"
    )

    static let serviceUnavailable = Self(
        status: 503,
        errorCode: 503001,
        errorName: "ServiceUnavailable",
        message: "Service unavailable"
    )

    static func formatError(_ message: String) -> Self {
        Self(status: 400, errorCode: 400006, errorName: "IotHubFormatError", message: message)
    }

    /// The hub's error for a status a fault script chose without a body.
    static func scripted(status: Int) -> Self {
        let names: [Int: (Int, String, String)] = [
            400: (400004, "ArgumentInvalid", "Bad request"),
            401: (401002, "IotHubUnauthorizedAccess", "Unauthorized"),
            403: (403002, "IotHubQuotaExceeded", "Total number of messages on IotHub exceeded the allocated quota"),
            404: (404001, "DeviceNotFound", "Device not found"),
            413: (413001, "MessageTooLarge", "Message too large"),
            429: (429001, "ThrottlingException", "Throttling"),
            500: (500001, "ServerError", "Internal server error"),
            503: (503001, "ServiceUnavailable", "Service unavailable"),
            504: (504101, "GatewayTimeout", "Gateway timeout"),
        ]
        let (code, name, message) = names[status] ?? (status * 1000, "Error\(status)", "Error")
        return Self(status: status, errorCode: code, errorName: name, message: message)
    }

    func response(
        shape: HubErrorShape = .new,
        at now: Date,
        using generator: inout some RandomNumberGenerator
    ) -> CloudResponse {
        let trackingID = ServiceIdentifier.uuid(using: &generator)
        let body: JSONValue
        switch shape {
        case .new:
            let inner = JSONValue.object([
                ("errorCode", .integer(errorCode)),
                ("trackingId", .string(trackingID)),
                ("message", .string(message)),
                ("timestampUtc", .string(WireTime.azureTimestamp(now))),
            ])
            body = .object([
                ("Message", .string(inner.serialized)),
                ("ExceptionMessage", .string("")),
            ])
        case .legacy:
            // As in azure-iot-sdk-c issue #246: the name, then the text; the tracking ID and
            // time in ExceptionMessage.
            body = .object([
                ("Message", .string("ErrorCode:\(errorName);\(message)")),
                ("ExceptionMessage", .string("Tracking ID:\(trackingID)-TimeStamp:\(WireTime.azureTimestamp(now))")),
            ])
        }
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
