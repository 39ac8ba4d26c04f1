import Foundation

/// A device-to-cloud message the hub accepted.
public struct ReceivedTelemetry: Sendable {
    public var deviceID: String
    /// The body decoded as UTF-8 (invalid sequences replaced), which is what tests compare.
    public var body: String
    public var bodyBytes: [UInt8]
    /// Every request header as sent, including the `iothub-*` message properties.
    public var headers: [HTTPHeaderField]
    public var receivedAt: Date

    public init(deviceID: String, bodyBytes: [UInt8], headers: [HTTPHeaderField], receivedAt: Date) {
        self.deviceID = deviceID
        self.body = String(decoding: bodyBytes, as: UTF8.self)
        self.bodyBytes = bodyBytes
        self.headers = headers
        self.receivedAt = receivedAt
    }

    /// Application properties: `iothub-app-<name>` headers with the prefix removed.
    public var applicationProperties: [HTTPHeaderField] {
        let prefix = "iothub-app-"
        return headers.compactMap { header in
            guard header.name.lowercased().hasPrefix(prefix) else { return nil }
            return HTTPHeaderField(name: String(header.name.dropFirst(prefix.count)), value: header.value)
        }
    }
}
