import HTTP1
import Wire

/// Builds the DPS device API requests of protocol-facts.md §1.1–§1.3, with the headers the seed
/// walkthrough's curl commands send.
public enum ProvisioningRequests {
    /// `PUT /{idScope}/registrations/{registrationId}/register` with `{"registrationId": …}` and
    /// the configured `payload`.
    public static func register(_ settings: ProvisioningSettings) -> ServiceRequest {
        var target = ByteWriter(capacity: targetCapacity(settings))
        appendRegistrationPath(settings, to: &target)
        target.append("/register?api-version=")
        target.append(settings.apiVersion)
        var body = ByteWriter(capacity: 256 + (settings.payload?.json.count ?? 0))
        body.append("{\"registrationId\":")
        JSONWriter.appendString(settings.registrationID.value, to: &body)
        if let payload = settings.payload {
            body.append(",\"payload\":")
            body.append(contentsOf: payload.json)
        }
        body.append("}")
        return ServiceRequest(
            endpoint: settings.endpoint,
            method: .put,
            target: String(decoding: target.bytes, as: UTF8.self),
            headers: jsonHeaders,
            body: body.bytes
        )
    }

    /// `GET /{idScope}/registrations/{registrationId}/operations/{operationId}`.
    public static func operationStatus(_ settings: ProvisioningSettings, operationID: String) -> ServiceRequest {
        var target = ByteWriter(capacity: targetCapacity(settings, operationID: operationID))
        appendRegistrationPath(settings, to: &target)
        target.append("/operations/")
        PercentEncoding.appendPathSegment(operationID, to: &target)
        target.append("?api-version=")
        target.append(settings.apiVersion)
        return ServiceRequest(
            endpoint: settings.endpoint,
            method: .get,
            target: String(decoding: target.bytes, as: UTF8.self),
            headers: jsonHeaders,
            body: []
        )
    }

    private static let jsonHeaders = [
        HTTPHeader("Accept", "application/json"),
        HTTPHeader("Content-Type", "application/json"),
        HTTPHeader("Content-Encoding", "utf-8"),
        HTTPHeader("User-Agent", "kelvin/" + KelvinVersion.text),
    ]

    /// Room for the whole target: every byte of a path segment may become three (`%XX`), and
    /// the fixed text is under 64 bytes. A fixed capacity cut the URL short without a word when
    /// DPS sent a long operation ID (found by the dps-response fuzz target).
    private static func targetCapacity(_ settings: ProvisioningSettings, operationID: String = "") -> Int {
        64 + settings.apiVersion.utf8.count
            + 3 * (settings.idScope.utf8.count + settings.registrationID.value.utf8.count + operationID.utf8.count)
    }

    private static func appendRegistrationPath(_ settings: ProvisioningSettings, to target: inout ByteWriter) {
        target.append(UInt8(ascii: "/"))
        PercentEncoding.appendPathSegment(settings.idScope, to: &target)
        target.append("/registrations/")
        PercentEncoding.appendPathSegment(settings.registrationID.value, to: &target)
    }
}

/// The release, shown by `--version` and sent as the User-Agent.
public enum KelvinVersion {
    public static let text = "0.1.0"
}
