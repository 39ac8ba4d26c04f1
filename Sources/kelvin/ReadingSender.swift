import Agent
import AzureIoT
import HTTPSClient
import Platform
import Wire

/// Reads the sensor and delivers each reading straight to a hub, for `kelvin send`. Nothing here
/// allocates per reading: the channel is prepared once and each request is encoded into the
/// connection's own buffers.
struct ReadingSender {
    let channel: TelemetryChannel
    private var source = SimulatedReadings(fields: ReadingFields())
    private var random: SplitMix64
    private(set) var sent = 0

    init(assignment: Assignment, identity: DeviceIdentity) {
        random = SplitMix64(seed: SystemRandom.seed())
        channel = TelemetryChannel(assignment: assignment, messageIDPrefix: RunID.messageIDPrefix(for: identity.registrationID, random: &random))
    }

    /// Sends the next reading, retrying as the retry policy allows; returns what was sent.
    mutating func sendNext(client: inout HTTPSClient, clock: MonotonicClock, log: (String) -> Void) throws(Fatal) -> Reading {
        // The simulation never fails nor skips a slot.
        guard let reading = source.read(sequence: sent + 1, takenAtMilliseconds: clock.wallClockMilliseconds) else {
            throw Fatal(message: "the simulated sensor gave no reading (a bug in Kelvin)", exitCode: .failure)
        }
        do {
            try TelemetryDelivery.deliver(channel.message(reading), to: channel.hub, transport: &client, clock: clock, random: SplitMix64(seed: random.next()), log: log)
        } catch {
            throw Fatal(message: error.description, exitCode: ExitCode.of(error))
        }
        sent += 1
        return reading
    }
}
