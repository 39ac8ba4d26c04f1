import Agent
import AzureIoT
import HTTP1
import HTTPSClient
import Testing
import Wire

/// A hub front end that asks for the device certificate by a TLS 1.2 renegotiation after the
/// request line, not in the first handshake (docs/azure-facts.md §10): the device's client
/// follows it and the message arrives, on the blocking path and on the event loop's.
///
/// The server speaks TLS 1.2 whatever `KELVIN_TEST_TLS` says: TLS 1.3 has no renegotiation.
@Suite(.serialized, .timeLimit(.minutes(1))) struct RenegotiationTests {
    /// The target kelvin's telemetry requests name.
    private static let target = "/devices/\(CloudFixture.registrationID)/messages/events?api-version=2020-03-13"

    private func expectRenegotiatedWithCertificate(_ connections: [RenegotiatingServer.Connection]) {
        #expect(connections.count == 1)
        guard let connection = connections.first else { return }
        #expect(connection.error == "")
        #expect(connection.requestLine == "POST \(Self.target) HTTP/1.1")
        #expect(connection.renegotiated)
        #expect(connection.clientCertificate)
    }

    @Test func telemetry_isDeliveredAfterTheServerRenegotiatesForTheCertificate() throws {
        let fixture = try CloudFixture()
        let server = try RenegotiatingServer(
            certificateFile: fixture.serverIdentity.certificateFile,
            privateKeyFile: fixture.serverIdentity.privateKeyFile
        )
        let client = HTTPSClient(context: try fixture.context())
        let assignment = Assignment(
            hub: Endpoint(host: "localhost", port: server.port),
            deviceID: CloudFixture.registrationID,
            substatus: "initialAssignment"
        )
        let channel = TelemetryChannel(assignment: assignment, messageIDPrefix: "renegotiation")
        let reading = channel.message(
            Reading(
                temperature: Millidegrees(21_500), temperatureFractionDigits: 2, takenAtMilliseconds: 1_800_000_000_000,
                sequence: 1)
        )

        let response = try client.deliver(reading, to: channel.hub)

        #expect(response.status == 204)
        expectRenegotiatedWithCertificate(server.connections(atLeast: 1))
    }

    @Test func nonBlockingExchange_followsTheRenegotiationWithoutBlocking() throws {
        let fixture = try CloudFixture()
        let server = try RenegotiatingServer(
            certificateFile: fixture.serverIdentity.certificateFile,
            privateKeyFile: fixture.serverIdentity.privateKeyFile
        )
        let client = HTTPSClient(context: try fixture.context(), timeouts: NonBlockingExchangeTests.timeouts)
        let request = HTTPRequest(
            method: .post,
            target: Self.target,
            headers: [HTTPHeader("Content-Type", "application/json")],
            body: Array(#"{"temperature": 21.5}"#.utf8)
        )

        let run = NonBlockingExchangeTests.drive(client, host: "localhost", port: server.port, request)

        #expect(run.response?.status == 204, "\(String(describing: run.failure))")
        #expect(run.longestCallMilliseconds < 100, "a call took \(run.longestCallMilliseconds) ms")
        expectRenegotiatedWithCertificate(server.connections(atLeast: 1))
    }
}
