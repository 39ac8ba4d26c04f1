import Foundation

/// A device-to-cloud message the hub accepted (one per element of a batch).
public struct ReceivedTelemetry: Sendable {
    public var deviceID: String
    /// ``HubConfiguration/name`` of the hub that accepted it.
    public var hubName: String
    /// The body decoded as UTF-8 (invalid sequences replaced), which is what tests compare.
    public var body: String
    public var bodyBytes: [UInt8]
    /// The request's HTTP headers; for a batch element, its `properties` object.
    public var headers: [HTTPHeaderField]
    public var properties: MessageProperties
    /// True when the message arrived as an element of an `application/vnd.microsoft.iothub.json` batch.
    public var isBatched: Bool
    public var receivedAt: Date
    /// The ledger's count of accepted messages when this one arrived: a cursor a reader can resume
    /// after without missing or repeating a message, even across `DELETE /admin/messages`.
    public var sequence = 0

    init(
        deviceID: String,
        hubName: String,
        bodyBytes: [UInt8],
        headers: [HTTPHeaderField],
        properties: MessageProperties,
        isBatched: Bool,
        receivedAt: Date
    ) {
        self.deviceID = deviceID
        self.hubName = hubName
        self.body = String(decoding: bodyBytes, as: UTF8.self)
        self.bodyBytes = bodyBytes
        self.headers = headers
        self.properties = properties
        self.isBatched = isBatched
        self.receivedAt = receivedAt
    }

    /// `iothub-messageid`, by which a backend de-duplicates retried messages.
    public var messageID: String? { properties.messageID }

    /// Application properties: `iothub-app-<name>` with the prefix removed.
    public var applicationProperties: [HTTPHeaderField] { properties.application }
}
