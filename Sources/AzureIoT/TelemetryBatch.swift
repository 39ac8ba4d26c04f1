import HTTP1
import Wire

extension TelemetryChannel {
    /// The largest batch body this client sends: IoT Hub refuses more than 256 KB
    /// (protocol-facts.md §0.9, §3.3), and the SDKs stop at 255 KiB − 1.
    public static let maximumBatchBodyBytes = 255 * 1024 - 1

    /// One request carrying as many readings from the front of `readings` as fit in
    /// `maximumBodyBytes`, oldest first, each with the message ID and properties it would have
    /// on its own (protocol-facts.md §3.4).
    ///
    /// The body's size is worked out entry by entry before anything is written, from the exact
    /// lengths of its parts, so choosing how many fit costs no buffer and no allocation. The
    /// first reading is always carried, however large its entry: a batch that cannot hold one
    /// reading would never send anything. An empty slice gives an empty request, which the hub
    /// refuses; it is not worth sending.
    public func batch(_ readings: ArraySlice<Reading>, maximumBodyBytes: Int = TelemetryChannel.maximumBatchBodyBytes) -> TelemetryBatchRequest {
        let fixed = batchEntryFixedByteCount
        var total = TelemetryBatchRequest.opening.utf8CodeUnitCount + TelemetryBatchRequest.closing.utf8CodeUnitCount
        var count = 0
        for reading in readings {
            let separator = count > 0 ? TelemetryBatchRequest.separator.utf8CodeUnitCount : 0
            let creationTime = reading.hasCreationTime ? creationTimeMemberByteCount : 0
            let entry = separator + fixed + creationTime + Base64.encodedByteCount(reading.bodyByteCount) + ASCII.decimalByteCount(reading.sequence)
            guard count == 0 || total + entry <= maximumBodyBytes else { break }
            total += entry
            count += 1
        }
        return TelemetryBatchRequest(channel: self, readings: readings.prefix(count), bodyByteCount: total)
    }

    /// The bytes of an entry that do not depend on the reading: all of it but the body's
    /// encoding, the sequence number's digits and the creation time.
    var batchEntryFixedByteCount: Int {
        typealias Entry = TelemetryBatchRequest
        return Entry.entryOpening.utf8CodeUnitCount + Entry.afterBody.utf8CodeUnitCount
            + messageIDPrefixJSON.count + 1
            + Entry.afterMessageID.utf8CodeUnitCount
            + propertyJSONMembers.count + Entry.entryClosing.utf8CodeUnitCount
    }

    /// The creation-time member, for a reading whose time is known.
    var creationTimeMemberByteCount: Int {
        typealias Entry = TelemetryBatchRequest
        return Entry.beforeCreationTimeName.utf8CodeUnitCount + Self.applicationHeaderPrefix.utf8CodeUnitCount
            + Self.creationTimePropertyName.utf8CodeUnitCount + Entry.beforeCreationTime.utf8CodeUnitCount
            + UTCTimestamp.byteCount + Entry.afterCreationTime.utf8CodeUnitCount
    }
}

/// Several readings in one hub request, `application/vnd.microsoft.iothub.json`: a JSON array
/// of `{"body":"<base64>","base64Encoded":true,"properties":{…}}` whose properties are the
/// headers each message would have had on its own (protocol-facts.md §3.4).
public struct TelemetryBatchRequest: HTTPRequestSource, Sendable {
    let channel: TelemetryChannel
    /// Exactly the readings carried.
    let readings: ArraySlice<Reading>
    /// The body's exact length, worked out before it is written.
    public let bodyByteCount: Int

    /// How many readings from the front of the slice this request carries.
    public var count: Int { readings.count }
    /// Where it goes.
    public var hub: Endpoint { channel.hub }

    public var method: HTTPMethod { .post }

    // The body's fixed parts, shared by the writer and the length so they cannot drift apart.
    static let opening: StaticString = "["
    static let separator: StaticString = ","
    static let closing: StaticString = "]"
    static let entryOpening: StaticString = "{\"body\":\""
    static let afterBody: StaticString = "\",\"base64Encoded\":true,\"properties\":{\"iothub-messageid\":\""
    static let afterMessageID: StaticString = "\",\"iothub-contenttype\":\"application/json\",\"iothub-contentencoding\":\"utf-8\""
    static let beforeCreationTimeName: StaticString = ",\""
    static let beforeCreationTime: StaticString = "\":\""
    static let afterCreationTime: StaticString = "\""
    static let entryClosing: StaticString = "}}"

    public func writeTarget(to writer: inout ByteWriter) {
        writer.append(contentsOf: channel.target)
    }

    /// Besides the content type, the two headers the SDKs put on a batch (docs/azure-facts.md
    /// §3): `iothub-to`, the events path (azure-iot-sdk-c `iothubtransporthttp.c`, Node, C#),
    /// and C#'s `iothub-operation: d2c`. The hub may require the first; sending both is what a
    /// well-known client looks like. Headers are not part of the body, so the size arithmetic
    /// in ``TelemetryChannel/batch(_:maximumBodyBytes:)`` is untouched.
    public func writeHeaderLines(to writer: inout ByteWriter) throws(HTTPEncodeError) {
        writer.append("Content-Type: application/vnd.microsoft.iothub.json\r\nContent-Encoding: utf-8\r\n")
        writer.append("iothub-to: ")
        // The path bytes straight from the prepared target: no copy, no allocation.
        channel.target.withUnsafeBufferPointer { target in
            writer.append(contentsOf: UnsafeBufferPointer(rebasing: target[..<channel.eventsPathByteCount]))
        }
        writer.append("\r\niothub-operation: d2c\r\n")
        TelemetryChannel.writeUserAgentLine(to: &writer)
    }

    public func writeBody(to writer: inout ByteWriter) {
        writer.append(Self.opening)
        for index in readings.indices {
            if index != readings.startIndex { writer.append(Self.separator) }
            writeEntry(readings[index], to: &writer)
        }
        writer.append(Self.closing)
    }

    private func writeEntry(_ reading: Reading, to writer: inout ByteWriter) {
        writer.append(Self.entryOpening)
        let bodyStart = writer.count
        reading.writeBody(to: &writer)
        Base64.encodeInPlace(&writer, from: bodyStart)
        writer.append(Self.afterBody)
        writer.append(contentsOf: channel.messageIDPrefixJSON)
        writer.append(UInt8(ascii: "-"))
        writer.appendDecimal(reading.sequence)
        writer.append(Self.afterMessageID)
        if reading.hasCreationTime {
            writer.append(Self.beforeCreationTimeName)
            writer.append(TelemetryChannel.applicationHeaderPrefix)
            writer.append(TelemetryChannel.creationTimePropertyName)
            writer.append(Self.beforeCreationTime)
            UTCTimestamp.append(milliseconds: reading.takenAtMilliseconds, to: &writer)
            writer.append(Self.afterCreationTime)
        }
        writer.append(contentsOf: channel.propertyJSONMembers)
        writer.append(Self.entryClosing)
    }
}
