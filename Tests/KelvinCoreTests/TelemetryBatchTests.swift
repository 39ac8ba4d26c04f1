import AzureIoT
import Foundation
import Testing
import Wire

/// Several readings in one hub request (protocol-facts.md §3.4): the exact body, and as many
/// readings as fit the limit, to the byte.
@Suite struct TelemetryBatchTests {
    static let channel = TelemetryChannel(assignment: TelemetryMessageTests.assignment, messageIDPrefix: "dev-1800000000", applicationProperties: [TelemetryMessageTests.unit])

    static func body(_ request: TelemetryBatchRequest) -> [UInt8] {
        var writer = ByteWriter(capacity: TelemetryChannel.maximumBatchBodyBytes * 2)
        request.writeBody(to: &writer)
        return writer.bytes
    }

    /// Readings of uneven sizes: humidity on some, sequence numbers gaining digits.
    static func readings(_ count: Int) -> [Reading] {
        (0..<count).map { index in
            Reading(
                temperature: Millidegrees(Int32(index * 7_919 % 60_000) - 20_000), temperatureFractionDigits: index % 4,
                humidity: index % 3 == 0 ? RelativeHumidity(millipercent: Int32(index % 100_000), fractionDigits: 2) : nil,
                pressure: index % 5 == 0 ? Pressure(pascals: 100_000 + Int32(index)) : nil,
                takenAtMilliseconds: 1_795_933_200_000 + Int64(index) * 1_000, sequence: index + 5
            )
        }
    }

    @Test func twoReadings_areTheExactBatchRequest() throws {
        let readings = [
            Reading(temperature: Millidegrees(23_125), temperatureFractionDigits: 2, takenAtMilliseconds: 1_795_933_200_123, sequence: 9),
            Reading(
                temperature: Millidegrees(-500), temperatureFractionDigits: 2,
                humidity: RelativeHumidity(millipercent: 45_200), pressure: Pressure(pascals: 101_325),
                takenAtMilliseconds: 1_795_933_260_000, sequence: 10
            ),
        ]
        let batch = Self.channel.batch(readings[...])
        #expect(batch.count == 2)
        #expect(batch.bodyByteCount == 622)
        #expect(try TelemetryMessageTests.encoded(batch) == """
            POST /devices/my-x509-device/messages/events?api-version=2020-03-13 HTTP/1.1\r
            Host: MyExampleHub.azure-devices.net\r
            Content-Type: application/vnd.microsoft.iothub.json\r
            Content-Encoding: utf-8\r
            iothub-to: /devices/my-x509-device/messages/events\r
            iothub-operation: d2c\r
            User-Agent: kelvin/\(KelvinVersion.text)\r
            Content-Length: 622\r
            \r
            [{"body":"eyJ0ZW1wZXJhdHVyZSI6IDIzLjEzfQ==","base64Encoded":true,"properties":{"iothub-messageid":"dev-1800000000-9",\
            "iothub-contenttype":"application/json","iothub-contentencoding":"utf-8",\
            "iothub-app-iothub-creation-time-utc":"2026-11-29T06:20:00.123Z","iothub-app-unit":"celsius"}},\
            {"body":"eyJ0ZW1wZXJhdHVyZSI6IC0wLjUwLCAiaHVtaWRpdHkiOiA0NS4yMCwgInByZXNzdXJlIjogMTAxMy4yNX0=","base64Encoded":true,\
            "properties":{"iothub-messageid":"dev-1800000000-10","iothub-contenttype":"application/json","iothub-contentencoding":"utf-8",\
            "iothub-app-iothub-creation-time-utc":"2026-11-29T06:21:00.000Z","iothub-app-unit":"celsius"}}]
            """)
    }

    /// `iothub-to` is the events path with the device ID as the request target encodes it
    /// (docs/azure-facts.md §3), and no query.
    @Test func batchHeaders_nameTheEncodedEventsPath() throws {
        let odd = Assignment(hub: TelemetryMessageTests.assignment.hub, deviceID: "line 1/sensor", substatus: "")
        let channel = TelemetryChannel(assignment: odd, messageIDPrefix: "p")
        let batch = channel.batch(Self.readings(2)[...])
        var writer = ByteWriter(capacity: 1024)
        try batch.writeHeaderLines(to: &writer)
        let lines = String(decoding: writer.bytes, as: UTF8.self).split(separator: "\r\n")
        #expect(lines.contains("iothub-to: /devices/line%201%2Fsensor/messages/events"))
        #expect(lines.contains("iothub-operation: d2c"))
        // A single message carries neither: the SDKs send them on batches only.
        var single = ByteWriter(capacity: 1024)
        try channel.message(Self.readings(1)[0]).writeHeaderLines(to: &single)
        #expect(!String(decoding: single.bytes, as: UTF8.self).contains("iothub-to"))
    }

    @Test func eachEntryBody_decodesToTheSingleMessageBody() throws {
        let readings = Self.readings(12)
        let json = try JSONSerialization.jsonObject(with: Data(Self.body(Self.channel.batch(readings[...])))) as? [[String: Any]]
        let entries = try #require(json)
        #expect(entries.count == 12)
        for (entry, reading) in zip(entries, readings) {
            var single = ByteWriter(capacity: 1024)
            Self.channel.message(reading).writeBody(to: &single)
            let encoded = try #require(entry["body"] as? String)
            #expect(Data(base64Encoded: encoded).map { Array($0) } == single.bytes)
            let properties = try #require(entry["properties"] as? [String: String])
            #expect(properties["iothub-messageid"] == Self.channel.message(reading).messageID)
            #expect(properties["iothub-app-iothub-creation-time-utc"] == UTCTimestamp.text(milliseconds: reading.takenAtMilliseconds))
            #expect(properties["iothub-app-unit"] == "celsius")
        }
    }

    @Test func workedOutLength_isTheWrittenLength_forUnevenReadings() {
        let readings = Self.readings(300)
        for count in [1, 2, 3, 10, 99, 300] {
            let batch = Self.channel.batch(readings[..<count], maximumBodyBytes: .max)
            #expect(batch.count == count)
            #expect(batch.bodyByteCount == Self.body(batch).count)
        }
    }

    @Test func readingsOfUnknownTime_carryNoCreationTime_andTheLengthStillMatches() throws {
        var readings = Self.readings(6)
        readings[1].takenAtMilliseconds = 0
        readings[4].takenAtMilliseconds = -42
        let batch = Self.channel.batch(readings[...], maximumBodyBytes: .max)
        let body = Self.body(batch)
        #expect(batch.bodyByteCount == body.count)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        let times = entries.map { ($0["properties"] as? [String: String])?["iothub-app-iothub-creation-time-utc"] }
        #expect(times.map { $0 == nil } == [false, true, false, false, true, false])
        #expect(entries.allSatisfy { ($0["properties"] as? [String: String])?["iothub-app-unit"] == "celsius" })
        #expect(!(try TelemetryMessageTests.encoded(Self.channel.message(readings[1]))).contains("creation-time"))
        #expect(try TelemetryMessageTests.encoded(Self.channel.message(readings[0])).contains("iothub-app-iothub-creation-time-utc: "))
    }

    @Test func limitExactlyAtNEntries_carriesN_andOneByteLessCarriesOneFewer() {
        let readings = Self.readings(40)
        for n in [1, 2, 9, 10, 33] {
            let size = Self.body(Self.channel.batch(readings[..<n], maximumBodyBytes: .max)).count
            #expect(Self.channel.batch(readings[...], maximumBodyBytes: size).count == n)
            #expect(Self.channel.batch(readings[...], maximumBodyBytes: size - 1).count == n - 1 || n == 1)
        }
    }

    @Test func firstReading_isCarriedEvenWhenItAloneIsOverTheLimit() {
        let batch = Self.channel.batch(Self.readings(3)[...], maximumBodyBytes: 10)
        #expect(batch.count == 1)
    }

    @Test func tenThousandReadings_fillOneBatchUpToTheLimit() {
        let readings = Self.readings(10_000)
        let batch = Self.channel.batch(readings[...])
        let body = Self.body(batch)
        #expect(batch.count > 0 && batch.count < 10_000)
        #expect(body.count == batch.bodyByteCount)
        #expect(body.count <= TelemetryChannel.maximumBatchBodyBytes)
        // The next reading's entry would not have fitted.
        #expect(Self.channel.batch(readings[..<(batch.count + 1)], maximumBodyBytes: .max).bodyByteCount > TelemetryChannel.maximumBatchBodyBytes)
    }

    @Test func sliceNotStartingAtZero_isCarriedFromItsFront() {
        let readings = Self.readings(10)
        let batch = Self.channel.batch(readings[4...])
        #expect(batch.count == 6)
        #expect(String(decoding: Self.body(batch), as: UTF8.self).contains("\"iothub-messageid\":\"dev-1800000000-9\""))
    }

    @Test func emptySlice_carriesNothing() {
        let batch = Self.channel.batch([Reading]()[...])
        #expect(batch.count == 0)
        #expect(Self.body(batch) == Array("[]".utf8))
    }

    @Test func messageIDPrefixWithQuotes_isEscapedInTheBatch() {
        let channel = TelemetryChannel(assignment: TelemetryMessageTests.assignment, messageIDPrefix: "a\"b")
        let reading = Reading(temperature: Millidegrees(0), temperatureFractionDigits: 0, takenAtMilliseconds: 0, sequence: 1)
        let batch = channel.batch([reading][...], maximumBodyBytes: .max)
        let body = Self.body(batch)
        #expect(String(decoding: body, as: UTF8.self).contains(#""iothub-messageid":"a\"b-1""#))
        #expect(body.count == batch.bodyByteCount)
    }
}
