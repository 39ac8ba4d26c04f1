import AzureIoT
import HTTP1
import Testing
import Wire

/// The hub request for one reading, with its system and application property headers
/// (protocol-facts.md §3.1); the temperature-only request is in `TelemetryTests`.
@Suite struct TelemetryMessageTests {
    static let assignment = Assignment(hub: Endpoint(host: "MyExampleHub.azure-devices.net"), deviceID: "my-x509-device", substatus: "initialAssignment")
    static let unit = try! ApplicationProperty(name: "unit", value: "celsius")

    static func encoded(_ request: some HTTPRequestSource) throws -> String {
        var writer = ByteWriter(capacity: 4096)
        var scratch = ByteWriter(capacity: 1024)
        try HTTPRequestEncoder.encode(request, host: "MyExampleHub.azure-devices.net", bodyScratch: &scratch, into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func readingWithHumidityPressureAndProperties_carriesThemAllInOrder() throws {
        let channel = TelemetryChannel(
            assignment: Self.assignment,
            messageIDPrefix: "dev-1800000000",
            apiVersion: try #require(APIVersion("2021-04-12")),
            applicationProperties: [Self.unit, try ApplicationProperty(name: "site", value: "greenhouse-2")]
        )
        let reading = Reading(
            temperature: Millidegrees(23_125), temperatureFractionDigits: 2,
            humidity: RelativeHumidity(millipercent: 45_200, fractionDigits: 2), pressure: Pressure(pascals: 101_325),
            takenAtMilliseconds: 1_795_933_200_123, sequence: 42
        )
        #expect(try Self.encoded(channel.message(reading)) == """
            POST /devices/my-x509-device/messages/events?api-version=2021-04-12 HTTP/1.1\r
            Host: MyExampleHub.azure-devices.net\r
            Content-Type: application/json\r
            Content-Encoding: utf-8\r
            iothub-contenttype: application/json\r
            iothub-contentencoding: utf-8\r
            iothub-messageid: dev-1800000000-42\r
            iothub-app-iothub-creation-time-utc: 2026-11-29T06:20:00.123Z\r
            iothub-app-unit: celsius\r
            iothub-app-site: greenhouse-2\r
            User-Agent: kelvin/\(KelvinVersion.text)\r
            Content-Length: 62\r
            \r
            {"temperature": 23.13, "humidity": 45.20, "pressure": 1013.25}
            """)
    }

    @Test func readingWithPressureOnly_leavesHumidityOut() throws {
        let channel = TelemetryChannel(assignment: Self.assignment, messageIDPrefix: "p")
        let reading = Reading(temperature: Millidegrees(21_500), temperatureFractionDigits: 1, pressure: Pressure(pascals: 96_386), takenAtMilliseconds: 0, sequence: 1)
        #expect(try Self.encoded(channel.message(reading)).hasSuffix("\r\n\r\n{\"temperature\": 21.5, \"pressure\": 963.86}"))
    }

    @Test func propertyGivenTwice_keepsTheLaterValueOnce() throws {
        let channel = TelemetryChannel(
            assignment: Self.assignment, messageIDPrefix: "p",
            applicationProperties: [Self.unit, try ApplicationProperty(name: "site", value: "a"), try ApplicationProperty(name: "UNIT", value: "kelvin")]
        )
        #expect(channel.applicationProperties == [try ApplicationProperty(name: "site", value: "a"), try ApplicationProperty(name: "UNIT", value: "kelvin")])
        let text = try Self.encoded(channel.message(Reading(temperature: Millidegrees(0), temperatureFractionDigits: 2, takenAtMilliseconds: 0, sequence: 1)))
        #expect(text.contains("iothub-app-site: a\r\niothub-app-UNIT: kelvin\r\nUser-Agent"))
        #expect(!text.contains("celsius"))
    }

    @Test func defaultAPIVersion_isTheWalkthroughs() {
        #expect(TelemetryChannel.defaultAPIVersion == APIVersion("2020-03-13"))
    }

    @Test func messagesReuseTheBuffers_withoutGrowingThem() throws {
        let channel = TelemetryChannel(assignment: Self.assignment, messageIDPrefix: "dev-1800000000", applicationProperties: [Self.unit])
        var writer = ByteWriter(capacity: HTTPSBufferSizes.request)
        var scratch = ByteWriter(capacity: HTTPSBufferSizes.body)
        let storage = (writer.bytes.capacity, scratch.bytes.capacity)
        for sequence in 1...100 {
            let reading = Reading(
                temperature: Millidegrees(Int32(sequence) * 1_001), temperatureFractionDigits: 2,
                humidity: RelativeHumidity(millipercent: 45_000), pressure: Pressure(pascals: 100_000),
                takenAtMilliseconds: 1_795_933_200_000 + Int64(sequence), sequence: sequence
            )
            try HTTPRequestEncoder.encode(channel.message(reading), host: "hub", bodyScratch: &scratch, into: &writer)
        }
        #expect((writer.bytes.capacity, scratch.bytes.capacity) == storage)
    }
}

/// The sizes `HTTPSConnection` gives its buffers, which this test target cannot import.
enum HTTPSBufferSizes {
    static let body = 256 * 1024
    static let request = 16 * 1024 + body
}
