import Agent
import AzureIoT
import Foundation
import HTTPSClient
import KelvinCloud
import Platform
import Testing
import Wire

/// Batches and single messages with application properties, from the real client to the
/// emulator's hub: what the hub records is what a backend would route on.
@Suite(.serialized) struct TelemetryBatchDeliveryTests {
    /// Provisions the fixture's device and returns a channel to its hub sending `unit=celsius`.
    func provisionedChannel(_ fixture: CloudFixture, client: inout HTTPSClient) throws -> TelemetryChannel {
        let (assignment, _) = try ProvisioningDriver.provision(
            try fixture.provisioningSettings, transport: &client, clock: MonotonicClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 30_000
        ) { Issue.record("unexpected retry: \($0)") }
        return TelemetryChannel(
            assignment: assignment, messageIDPrefix: "batch", apiVersion: try #require(APIVersion("2021-04-12")),
            applicationProperties: [try ApplicationProperty(parsing: "unit=celsius")]
        )
    }

    static func reading(_ sequence: Int, humidity: Bool = false) -> Reading {
        Reading(
            temperature: Millidegrees(20_000 + Int32(sequence) * 125), temperatureFractionDigits: 2,
            humidity: humidity ? RelativeHumidity(millipercent: 45_200) : nil,
            pressure: humidity ? Pressure(pascals: 101_325) : nil,
            takenAtMilliseconds: 1_795_933_200_000 + Int64(sequence) * 1_500, sequence: sequence
        )
    }

    @Test func batchOfThreeThenSingleMessage_arriveWithIDsCreationTimesAndProperties() throws {
        let fixture = try CloudFixture()
        var client = HTTPSClient(context: try fixture.context())
        let channel = try provisionedChannel(fixture, client: &client)
        let readings = [Self.reading(1, humidity: true), Self.reading(2), Self.reading(3)]
        let batch = channel.batch(readings[...])
        #expect(batch.count == 3)
        try client.deliver(batch, to: channel.hub)
        try client.deliver(channel.message(Self.reading(4)), to: channel.hub)

        #expect(fixture.server.waitForTelemetry(count: 4, timeoutSeconds: 10))
        let received = fixture.server.receivedTelemetry
        #expect(received.map(\.body) == [
            #"{"temperature": 20.13, "humidity": 45.20, "pressure": 1013.25}"#,
            #"{"temperature": 20.25}"#,
            #"{"temperature": 20.38}"#,
            #"{"temperature": 20.50}"#,
        ])
        #expect(received.map(\.isBatched) == [true, true, true, false])
        #expect(received.map(\.messageID) == ["batch-1", "batch-2", "batch-3", "batch-4"])
        #expect(received.map { $0.properties.system.value(named: "iothub-contenttype") } == Array(repeating: "application/json", count: 4))
        #expect(received.map { $0.properties.system.value(named: "iothub-contentencoding") } == Array(repeating: "utf-8", count: 4))
        #expect(received.map(\.applicationProperties) == [
            "2026-11-29T06:20:01.500Z", "2026-11-29T06:20:03.000Z", "2026-11-29T06:20:04.500Z", "2026-11-29T06:20:06.000Z",
        ].map { [HTTPHeaderField(name: "iothub-creation-time-utc", value: $0), HTTPHeaderField(name: "unit", value: "celsius")] })
        #expect(fixture.server.duplicateMessageCount == 0)
        #expect(client.connectionsOpened == 2)
    }

    @Test func fullBatch_fitsTheConnectionBuffers_andTheHubsLimit() throws {
        let fixture = try CloudFixture()
        var client = HTTPSClient(context: try fixture.context())
        let channel = try provisionedChannel(fixture, client: &client)
        let readings = (1...2_000).map { Self.reading($0, humidity: $0 % 2 == 0) }
        let batch = channel.batch(readings[...])
        #expect(batch.count > 500 && batch.count < 2_000)
        #expect(batch.bodyByteCount > TelemetryChannel.maximumBatchBodyBytes - 400)
        try client.deliver(batch, to: channel.hub)
        // A small message after the large one goes over the same connection.
        try client.deliver(channel.message(Self.reading(batch.count + 1)), to: channel.hub)

        #expect(fixture.server.waitForTelemetry(count: batch.count + 1, timeoutSeconds: 10))
        let received = fixture.server.receivedTelemetry
        #expect(received.map(\.messageID) == (1...(batch.count + 1)).map { "batch-\($0)" })
        #expect(received.last?.isBatched == false)
        #expect(client.connectionsOpened == 2)
    }
}
