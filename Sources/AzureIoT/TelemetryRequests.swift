import HTTP1
import Wire

/// Builds IoT Hub's device-to-cloud HTTPS request (protocol-facts.md §3.1).
public enum TelemetryRequests {
    /// The version the seed walkthrough uses.
    public static let apiVersion: StaticString = "2020-03-13"

    /// `POST /devices/{deviceId}/messages/events` with `{"temperature": N}`.
    ///
    /// `Content-Type`/`Content-Encoding` are ordinary HTTP metadata to the hub; the
    /// `iothub-contenttype`/`iothub-contentencoding` headers set the message's system properties
    /// that routing on the body needs (§0.8).
    public static func temperature(
        _ temperature: Millidegrees,
        fractionDigits: Int,
        messageID: String,
        assignment: Assignment
    ) -> ServiceRequest {
        var body = ByteWriter(capacity: 64)
        body.append("{\"temperature\": ")
        temperature.append(to: &body, fractionDigits: fractionDigits)
        body.append("}")
        var target = ByteWriter(capacity: 512)
        target.append("/devices/")
        PercentEncoding.appendPathSegment(assignment.deviceID, to: &target)
        target.append("/messages/events?api-version=")
        target.append(apiVersion)
        return ServiceRequest(
            endpoint: assignment.hub,
            method: .post,
            target: String(decoding: target.bytes, as: UTF8.self),
            headers: [
                HTTPHeader("Content-Type", "application/json"),
                HTTPHeader("Content-Encoding", "utf-8"),
                HTTPHeader("iothub-contenttype", "application/json"),
                HTTPHeader("iothub-contentencoding", "utf-8"),
                HTTPHeader("iothub-messageid", messageID),
                HTTPHeader("User-Agent", "kelvin/" + KelvinVersion.text),
            ],
            body: body.bytes
        )
    }
}

/// What the hub's answer to a telemetry request means for the device (protocol-facts.md §3.2, §6).
public enum TelemetryOutcome: Equatable, Sendable {
    case delivered
    /// 429 or 5xx: send again later.
    case retryLater(retryAfterSeconds: Int?)
    /// 401/403/404: the hub does not know this identity (deleted, moved, disabled).
    case identityRejected(ServiceFailure)
    /// Any other 4xx: this message will never be accepted.
    case refused(ServiceFailure)

    public static func classify(_ response: HTTPResponse) -> TelemetryOutcome {
        switch response.status {
        case 200..<300:
            return .delivered
        case 429, 500...:
            return .retryLater(retryAfterSeconds: response.retryAfterSeconds)
        case 401, 403, 404:
            return .identityRejected(hubFailure(response))
        default:
            return .refused(hubFailure(response))
        }
    }

    /// Hub error bodies are `{"Message": …, "ExceptionMessage": …}`, where `Message` may itself
    /// hold JSON with the six-digit code (§3.2).
    static func hubFailure(_ response: HTTPResponse) -> ServiceFailure {
        var failure = ServiceFailure(httpStatus: response.status, errorCode: nil, message: response.header("iothub-errorcode"), trackingID: nil)
        guard let reader = try? JSONReader(response.body), let message = try? reader.string(at: ["Message"]) else {
            return failure
        }
        if let inner = try? JSONReader(Array(message.utf8)) {
            failure.errorCode = try? inner.integer(at: ["errorCode"])
            failure.trackingID = try? inner.string(at: ["trackingId"])
            if let text = try? inner.string(at: ["message"]) { failure.message = text }
        } else {
            failure.message = message
        }
        return failure
    }
}
