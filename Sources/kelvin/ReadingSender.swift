import Agent
import AzureIoT
import HTTPSClient
import Platform
import Sensors
import Wire

/// Reads the sensor and delivers each reading to the hub, numbering the message IDs; what
/// `run` and `send` share. Nothing here allocates per reading: the channel is prepared once and
/// each request is encoded into the connection's own buffers.
struct ReadingSender {
    let channel: TelemetryChannel
    private var sensor = SimulatedSensor()
    private(set) var sent = 0

    /// Message IDs are `<registration ID>-<boot time>-<n>`: unique per device and boot, the
    /// same across retries of one reading.
    init(assignment: Assignment, identity: DeviceIdentity, clock: MonotonicClock) {
        let prefix = identity.registrationID.value + "-" + ASCII.decimalString(Int(clock.wallClockSeconds))
        channel = TelemetryChannel(assignment: assignment, messageIDPrefix: prefix)
    }

    /// Sends the next reading, retrying as the delivery policy allows; returns what was sent.
    mutating func sendNext(client: inout HTTPSClient, clock: MonotonicClock, log: (String) -> Void) throws(Fatal) -> Millidegrees {
        let temperature = sensor.read()
        let reading = Reading(
            temperature: temperature,
            temperatureFractionDigits: sensor.fractionDigits,
            takenAtMilliseconds: clock.wallClockSeconds * 1000,
            sequence: sent + 1
        )
        do {
            try TelemetryDelivery.deliver(channel.message(reading), to: channel.hub, transport: &client, clock: clock, log: log)
        } catch {
            throw Fatal(message: error.description, exitCode: ExitCode.of(error))
        }
        sent += 1
        return temperature
    }
}
