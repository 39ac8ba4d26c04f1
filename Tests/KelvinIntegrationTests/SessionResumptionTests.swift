import Agent
import AzureIoT
import HTTP1
import HTTPSClient
import KelvinCloud
import Platform
import Testing
import Wire

/// A reconnect resumes the TLS session, so it costs no client signature, and the services still
/// know who the device is. Holds in both `KELVIN_TEST_TLS` modes: over TLS 1.2 the emulator's
/// ticket comes in the handshake, over TLS 1.3 after it.
@Suite(.serialized) struct SessionResumptionTests {
    @Test func reconnectAfterClose_resumesTheSessionAndTheHubStillAcceptsTheDevice() throws {
        let fixture = try CloudFixture(assigningPolls: 0)
        let context = try fixture.context()
        var client = HTTPSClient(context: context)
        let settings = ProvisioningSettings(
            endpoint: Endpoint(host: "localhost", port: UInt16(fixture.server.dpsPort)),
            idScope: fixture.server.configuration.idScope,
            registrationID: try RegistrationID(commonName: CloudFixture.registrationID)
        )
        let (assignment, _) = try ProvisioningDriver.provision(
            settings, transport: &client, clock: MonotonicClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 30_000
        ) { Issue.record("unexpected retry: \($0)") }
        let channel = TelemetryChannel(assignment: assignment, messageIDPrefix: "resume")
        for sequence in 1...3 {
            client.closeAll()
            let reading = channel.message(Reading(temperature: Millidegrees(20_000), temperatureFractionDigits: 2, takenAtMilliseconds: 1_800_000_000_000, sequence: sequence))
            try client.deliver(reading, to: channel.hub)
        }
        #expect(fixture.server.waitForTelemetry(count: 3, timeoutSeconds: 10))
        // DPS once, the hub three times; every hub connection after the first resumed.
        #expect(client.connectionsOpened == 4)
        #expect(client.connectionsResumed == 2)
    }
}
