import HTTP1
import Wire

/// Everything about IoT Hub's device-to-cloud request (protocol-facts.md §3.1) that stays the
/// same from one reading to the next, prepared once per assignment so that each reading is
/// encoded straight into the connection's buffer with no allocation.
public struct TelemetryChannel: Sendable {
    /// The version the seed walkthrough uses.
    public static let apiVersion: StaticString = "2020-03-13"

    public let hub: Endpoint
    /// `/devices/{deviceId}/messages/events?api-version=…`, the device ID percent-encoded.
    let target: [UInt8]
    /// What every message ID starts with; the reading's sequence number follows.
    let messageIDPrefix: [UInt8]

    /// - Parameter messageIDPrefix: unique to this device and boot, e.g. `<device>-<boot time>`;
    ///   message IDs are `<prefix>-<sequence>`.
    public init(assignment: Assignment, messageIDPrefix prefix: String) {
        hub = assignment.hub
        var writer = ByteWriter(capacity: 512)
        writer.append("/devices/")
        PercentEncoding.appendPathSegment(assignment.deviceID, to: &writer)
        writer.append("/messages/events?api-version=")
        writer.append(Self.apiVersion)
        target = writer.bytes
        messageIDPrefix = Array(prefix.utf8)
    }

    /// The request for one reading: `{"temperature": N}` with the message ID `<prefix>-<sequence>`,
    /// the same on every retry so the backend can tell a repeat from a new reading.
    public func reading(_ temperature: Millidegrees, fractionDigits: Int, sequence: Int) -> TelemetryReading {
        TelemetryReading(channel: self, temperature: temperature, fractionDigits: fractionDigits, sequence: sequence)
    }
}

/// One reading as a hub request.
///
/// `Content-Type`/`Content-Encoding` are ordinary HTTP metadata to the hub; the
/// `iothub-contenttype`/`iothub-contentencoding` headers set the message's system properties
/// that routing on the body needs (§0.8).
public struct TelemetryReading: HTTPRequestSource, Sendable {
    let channel: TelemetryChannel
    public let temperature: Millidegrees
    let fractionDigits: Int
    public let sequence: Int

    public var method: HTTPMethod { .post }

    public func writeTarget(to writer: inout ByteWriter) {
        writer.append(contentsOf: channel.target)
    }

    public func writeHeaderLines(to writer: inout ByteWriter) throws(HTTPEncodeError) {
        writer.append("Content-Type: application/json\r\nContent-Encoding: utf-8\r\n")
        writer.append("iothub-contenttype: application/json\r\niothub-contentencoding: utf-8\r\n")
        writer.append("User-Agent: kelvin/")
        writer.append(KelvinVersion.text)
        writer.append("\r\niothub-messageid: ")
        writeMessageID(to: &writer)
        writer.append("\r\n")
    }

    public func writeBody(to writer: inout ByteWriter) {
        writer.append("{\"temperature\": ")
        temperature.append(to: &writer, fractionDigits: fractionDigits)
        writer.append("}")
    }

    func writeMessageID(to writer: inout ByteWriter) {
        writer.append(contentsOf: channel.messageIDPrefix)
        writer.append(UInt8(ascii: "-"))
        writer.appendDecimal(sequence)
    }

    /// `iothub-messageid`, as text for logs and tests.
    public var messageID: String {
        var writer = ByteWriter(capacity: 256)
        writeMessageID(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
