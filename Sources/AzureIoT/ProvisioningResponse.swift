import HTTP1
import Wire

/// What one DPS response says, in the shapes of protocol-facts.md §0.1 and §1.4–§1.6.
public enum ProvisioningResponse: Equatable, Sendable {
    /// Still working; poll `operationID` again after the delay (nil: DPS gave no Retry-After).
    case assigning(operationID: String, retryAfterSeconds: Int?)
    case assigned(Assignment)
    /// `failed` as a 200 body or any 4xx error body.
    case failed(ServiceFailure)
    case disabled
    /// 429 or 5xx: the same request may be repeated after the delay.
    case transient(status: Int, retryAfterSeconds: Int?)

    /// Interprets a DPS response.
    /// - Throws: `ProvisioningResponseError` when the body is not the JSON DPS sends.
    public static func interpret(_ response: HTTPResponse) throws(ProvisioningResponseError) -> ProvisioningResponse {
        if response.status == 429 || response.status >= 500 {
            return .transient(status: response.status, retryAfterSeconds: response.retryAfterSeconds)
        }
        let reader: JSONReader
        do {
            reader = try JSONReader(response.body)
        } catch {
            if response.status >= 400 {
                // Not JSON (or no body at all), but a refusal all the same: its words are kept,
                // escaped for the log, and its code comes from the header DPS sends with every
                // error (docs/azure-facts.md §2).
                return .failed(ServiceFailure(
                    httpStatus: response.status,
                    errorCode: headerErrorCode(response),
                    message: response.body.isEmpty ? nil : PrintableText.escaped(response.body),
                    trackingID: nil
                ))
            }
            throw .malformedBody(status: response.status, error)
        }
        do {
            return try interpret(response, reader)
        } catch {
            throw .malformedBody(status: response.status, error)
        }
    }

    /// `x-ms-error-code`, the six-digit code DPS sends as a header beside the
    /// `ProvisioningServiceErrorDetails` body (protocol-facts.md §1.5); nil when absent or not a
    /// number.
    static func headerErrorCode(_ response: HTTPResponse) -> Int? {
        guard let bytes = response.headerBytes("x-ms-error-code"), let code = ASCII.parseDecimal(bytes), code > 0 else { return nil }
        return code
    }

    private static func interpret(_ response: HTTPResponse, _ reader: JSONReader) throws(JSONError) -> ProvisioningResponse {
        if response.status >= 400 {
            // ProvisioningServiceErrorDetails: no operationId, no status.
            return .failed(ServiceFailure(
                httpStatus: response.status,
                errorCode: try reader.integer(at: ["errorCode"]) ?? headerErrorCode(response),
                message: try reader.text(at: ["message"]),
                trackingID: try reader.text(at: ["trackingId"])
            ))
        }
        guard let status = try reader.text(at: ["status"]) else {
            throw .typeMismatch(path: "status", expected: "present")
        }
        switch RegistrationStatus(status) {
        case .assigning?, .unassigned?:
            // C# keeps polling on `unassigned` too (§1.4); DPS reports it before assignment starts.
            guard let operationID = try reader.text(at: ["operationId"]), !operationID.isEmpty else {
                throw .typeMismatch(path: "operationId", expected: "a non-empty string")
            }
            return .assigning(operationID: operationID, retryAfterSeconds: response.retryAfterSeconds)
        case .assigned?:
            // The hub becomes a connection's host, its SNI and its Host header; the device ID a
            // URL path and a log line: DPS's word is checked like any input.
            guard let hubText = try reader.text(at: ["registrationState", "assignedHub"]) else {
                throw .typeMismatch(path: "registrationState.assignedHub", expected: "a host name")
            }
            guard let hub = Endpoint(hostName: hubText) else {
                throw .typeMismatch(path: "registrationState.assignedHub", expected: "\(Endpoint.hostNameRule), but \"\(hubText)\"")
            }
            guard let deviceID = try reader.text(at: ["registrationState", "deviceId"]), !deviceID.isEmpty,
                  deviceID.utf8.count <= 128 else {
                throw .typeMismatch(path: "registrationState.deviceId", expected: "a non-empty string of at most 128 bytes")
            }
            let substatus = try reader.text(at: ["registrationState", "substatus"]) ?? "initialAssignment"
            return .assigned(Assignment(hub: hub, deviceID: deviceID, substatus: substatus))
        case .failed?:
            return .failed(ServiceFailure(
                httpStatus: response.status,
                errorCode: try reader.integer(at: ["registrationState", "errorCode"]),
                message: try reader.text(at: ["registrationState", "errorMessage"]),
                trackingID: nil
            ))
        case .disabled?:
            return .disabled
        case nil:
            throw .typeMismatch(path: "status", expected: "one of assigning, assigned, failed, disabled, unassigned")
        }
    }
}

/// A refusal by DPS or a hub, with the service's own code and words.
public struct ServiceFailure: Equatable, Sendable, CustomStringConvertible {
    public var httpStatus: Int
    /// The six-digit code (e.g. 401002); its first three digits are the HTTP class.
    public var errorCode: Int?
    public var message: String?
    public var trackingID: String?

    public init(httpStatus: Int, errorCode: Int?, message: String?, trackingID: String?) {
        self.httpStatus = httpStatus
        self.errorCode = errorCode
        self.message = message
        self.trackingID = trackingID
    }

    public var description: String {
        var text = "HTTP \(httpStatus)"
        if let errorCode { text += ", error \(errorCode)" }
        if let message, !message.isEmpty { text += ": " + message }
        if let trackingID { text += " (tracking ID " + trackingID + ")" }
        return text
    }
}

public enum ProvisioningResponseError: Error, Equatable, CustomStringConvertible {
    case malformedBody(status: Int, JSONError)

    public var description: String {
        switch self {
        case .malformedBody(let status, let error): return "DPS answered HTTP \(status) with a body Kelvin cannot read: \(error)"
        }
    }
}

/// A registration's `status`, matched once by its bytes.
private enum RegistrationStatus: CaseIterable {
    case assigning, unassigned, assigned, failed, disabled

    init?(_ text: String) {
        guard let status = Self.allCases.first(where: { ASCII.equals($0.text, text) }) else { return nil }
        self = status
    }

    var text: String {
        switch self {
        case .assigning: return "assigning"
        case .unassigned: return "unassigned"
        case .assigned: return "assigned"
        case .failed: return "failed"
        case .disabled: return "disabled"
        }
    }
}
