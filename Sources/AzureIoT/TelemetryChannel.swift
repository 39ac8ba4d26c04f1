import HTTP1
import Wire

/// Everything about IoT Hub's device-to-cloud request (protocol-facts.md §3.1) that stays the
/// same from one reading to the next, prepared once per assignment so that each message, or
/// batch of them, is encoded straight into the connection's buffer with no allocation.
public struct TelemetryChannel: Sendable {
    /// The version the seed walkthrough uses.
    public static let defaultAPIVersion = APIVersion(known: "2020-03-13")
    /// The application property that carries when a reading was taken: the hub surfaces
    /// `iothub-creation-time-utc` as an application property, not a system one (§3.1, §8).
    public static let creationTimePropertyName: StaticString = "iothub-creation-time-utc"

    public let hub: Endpoint
    public let apiVersion: APIVersion
    /// In the order sent; of two with the same name (in any case), the later one.
    public let applicationProperties: [ApplicationProperty]
    /// `/devices/{deviceId}/messages/events?api-version=…`, the device ID percent-encoded.
    let target: [UInt8]
    /// How many bytes of `target` are the path, `/devices/{deviceId}/messages/events`: the
    /// `iothub-to` value on batches.
    let eventsPathByteCount: Int
    /// What every message ID starts with; the reading's sequence number follows.
    let messageIDPrefix: [UInt8]
    /// The prefix as it goes inside a JSON string, for batch entries.
    let messageIDPrefixJSON: [UInt8]
    /// `iothub-app-<name>: <value>\r\n` for each application property.
    let propertyHeaderLines: [UInt8]
    /// `,"iothub-app-<name>":"<value>"` for each application property.
    let propertyJSONMembers: [UInt8]

    static let applicationHeaderPrefix: StaticString = "iothub-app-"

    /// - Parameters:
    ///   - messageIDPrefix: unique to this device and boot, e.g. `<device>-<boot time>`;
    ///     message IDs are `<prefix>-<sequence>`.
    ///   - applicationProperties: sent with every message. A name given twice keeps its last
    ///     value, as a later flag overrides an earlier one: HTTP would make the two one header.
    public init(
        assignment: Assignment,
        messageIDPrefix prefix: String,
        apiVersion: APIVersion = TelemetryChannel.defaultAPIVersion,
        applicationProperties: [ApplicationProperty] = []
    ) {
        hub = assignment.hub
        self.apiVersion = apiVersion
        var writer = ByteWriter(capacity: 512 + assignment.deviceID.utf8.count * 3)
        writer.append("/devices/")
        PercentEncoding.appendPathSegment(assignment.deviceID, to: &writer)
        writer.append("/messages/events")
        eventsPathByteCount = writer.count
        writer.append("?api-version=")
        apiVersion.append(to: &writer)
        target = writer.bytes
        messageIDPrefix = Array(prefix.utf8)
        writer = ByteWriter(capacity: prefix.utf8.count * 6)
        JSONWriter.appendEscaped(prefix.utf8, to: &writer)
        messageIDPrefixJSON = writer.bytes

        var kept: [ApplicationProperty] = []
        for (index, property) in applicationProperties.enumerated()
        where !applicationProperties[(index + 1)...].contains(where: { $0.hasSameName(as: property) }) {
            kept.append(property)
        }
        self.applicationProperties = kept
        var propertyBytes = 0
        for property in kept { propertyBytes += property.name.utf8.count + property.value.utf8.count + 32 }
        var headers = ByteWriter(capacity: propertyBytes)
        var members = ByteWriter(capacity: propertyBytes)
        for property in kept {
            headers.append(Self.applicationHeaderPrefix)
            headers.append(property.name)
            headers.append(": ")
            headers.append(property.value)
            headers.append("\r\n")
            // Names and values are token characters, none of which JSON escapes.
            members.append(",\"")
            members.append(Self.applicationHeaderPrefix)
            members.append(property.name)
            members.append("\":\"")
            members.append(property.value)
            members.append("\"")
        }
        propertyHeaderLines = headers.bytes
        propertyJSONMembers = members.bytes
    }

    /// The request for one reading, with the message ID `<prefix>-<sequence>`: the same on
    /// every retry, so the backend can tell a repeat from a new reading.
    public func message(_ reading: Reading) -> TelemetryReading {
        TelemetryReading(channel: self, reading: reading)
    }

    func writeMessageID(sequence: Int, to writer: inout ByteWriter) {
        writer.append(contentsOf: messageIDPrefix)
        writer.append(UInt8(ascii: "-"))
        writer.appendDecimal(sequence)
    }

    static func writeUserAgentLine(to writer: inout ByteWriter) {
        writer.append("User-Agent: kelvin/")
        writer.append(KelvinVersion.text)
        writer.append("\r\n")
    }
}

/// One reading as a hub request.
///
/// `Content-Type`/`Content-Encoding` are ordinary HTTP metadata to the hub; the
/// `iothub-contenttype`/`iothub-contentencoding` headers set the message's system properties
/// that routing on the body needs (§0.8).
public struct TelemetryReading: HTTPRequestSource, Sendable {
    let channel: TelemetryChannel
    public let reading: Reading

    public var method: HTTPMethod { .post }
    /// Where it goes.
    public var hub: Endpoint { channel.hub }

    public func writeTarget(to writer: inout ByteWriter) {
        writer.append(contentsOf: channel.target)
    }

    public func writeHeaderLines(to writer: inout ByteWriter) throws(HTTPEncodeError) {
        writer.append("Content-Type: application/json\r\nContent-Encoding: utf-8\r\n")
        writer.append("iothub-contenttype: application/json\r\niothub-contentencoding: utf-8\r\n")
        writer.append("iothub-messageid: ")
        channel.writeMessageID(sequence: reading.sequence, to: &writer)
        writer.append("\r\n")
        if reading.hasCreationTime {
            writer.append(TelemetryChannel.applicationHeaderPrefix)
            writer.append(TelemetryChannel.creationTimePropertyName)
            writer.append(": ")
            UTCTimestamp.append(milliseconds: reading.takenAtMilliseconds, to: &writer)
            writer.append("\r\n")
        }
        writer.append(contentsOf: channel.propertyHeaderLines)
        TelemetryChannel.writeUserAgentLine(to: &writer)
    }

    public func writeBody(to writer: inout ByteWriter) {
        reading.writeBody(to: &writer)
    }

    /// `iothub-messageid`, as text for logs and tests.
    public var messageID: String {
        ByteWriter.text(capacity: channel.messageIDPrefix.count + 24) { channel.writeMessageID(sequence: reading.sequence, to: &$0) }
    }
}
