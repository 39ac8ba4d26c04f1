import Foundation

/// One message as `GET /admin/messages` describes it.
struct AdminMessage: Decodable, Equatable {
    var sequence: Int
    var hub: String
    var deviceId: String
    /// Nil when the body is not UTF-8 text.
    var body: String?
    var bodyBase64: String
    var systemProperties: [String: String]
    var properties: [String: String]
    var receivedAt: String
}

/// What `az iot hub monitor-events --properties all --output json` prints for an event, so that
/// scripts written against the real hub read the emulator's stream unchanged.
enum MonitorEvent {
    /// The names the az CLI gives the AMQP system properties that HTTP sends as `iothub-*` headers.
    private static let systemPropertyNames = [
        "iothub-messageid": "message_id",
        "iothub-correlationid": "correlation_id",
        "iothub-userid": "user_id",
        "iothub-to": "to",
        "iothub-contenttype": "content_type",
        "iothub-contentencoding": "content_encoding",
        "iothub-expiry": "absolute_expiry_time",
    ]

    /// The emulator only authenticates devices by their own X.509 certificate.
    private static let authMethod =
        #"{"scope":"device","type":"x509Certificate","issuer":"external","acceptingIpFilterRule":null}"#

    /// One line of JSON; keys in the order az prints them, properties sorted by name.
    static func line(for message: AdminMessage) -> String {
        let enqueued = UTCTime.parse(message.receivedAt).map { Int(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
        let enqueuedText = enqueued.map(String.init) ?? "null"
        let annotations = object([
            ("iothub-connection-device-id", quoted(message.deviceId)),
            ("iothub-connection-auth-method", quoted(authMethod)),
            ("iothub-enqueuedtime", enqueuedText),
            ("iothub-message-source", quoted("Telemetry")),
            ("x-opt-sequence-number", String(message.sequence)),
            ("x-opt-enqueued-time", enqueuedText),
        ])
        let system = message.systemProperties
            .map { (systemPropertyNames[$0.key] ?? $0.key, quoted($0.value)) }
            .sorted { $0.0 < $1.0 }
        let application = message.properties.sorted { $0.key < $1.key }.map { ($0.key, quoted($0.value)) }
        let event = object([
            ("origin", quoted(message.deviceId)),
            ("module", quoted("")),
            ("interface", quoted("")),
            ("component", quoted("")),
            ("payload", payload(message)),
            ("annotations", annotations),
            ("properties", object([("system", object(system)), ("application", object(application))])),
        ])
        return object([("event", event)])
    }

    /// Parsed JSON when the body is JSON, as az decodes it; else the text; else base64, since a
    /// line of JSON cannot hold raw bytes.
    private static func payload(_ message: AdminMessage) -> String {
        guard let text = message.body else { return quoted(message.bodyBase64) }
        if let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
            let compact = try? JSONSerialization.data(
                withJSONObject: parsed,
                options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]
            )
        {
            return String(decoding: compact, as: UTF8.self)
        }
        return quoted(text)
    }

    private static func quoted(_ text: String) -> String {
        let data = try? JSONSerialization.data(
            withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    /// Members whose values are already JSON text, kept in the given order.
    private static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }
}
