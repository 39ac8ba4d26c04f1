import Agent
import AzureIoT
import HTTP1
import HTTPSClient
import Platform
import Wire

/// `kelvin send`: simulated readings straight to a hub, without DPS — for the bench, and the
/// benchmark's client. The telemetry state machine paces it by delivery (one request per
/// reading, each after the last was delivered) with the same retry policy as `run`. Prints one
/// summary line, so that what is measured is the sending.
public struct SendRun {
    let options: SendOptions
    let clock = MonotonicClock()

    public init(options: SendOptions) { self.options = options }

    public func run() throws(Fatal) {
        Process.ignoreBrokenPipe()
        guard let hub = Endpoint(parsing: options.hubEndpoint) else {
            throw Fatal(message: "--hub \"\(options.hubEndpoint)\" is not host or host:port", exitCode: .usage)
        }
        let proxySettings = try ClientSetup.proxySettings(options.connection)
        let identity = try DeviceIdentity.load(options.connection, clock: clock)
        let deviceID = options.deviceID ?? identity.registrationID.value
        var client = ClientSetup.client(options.connection, identity: identity, proxySettings: proxySettings)
        var random = SplitMix64(seed: SystemRandom.seed())
        let prefix = RunID.messageIDPrefix(for: identity.registrationID, random: &random)
        // A fixed hub: never saved, never matched against DPS settings.
        let fixed = SavedAssignment(
            assignment: Assignment(hub: hub, deviceID: deviceID, substatus: ""), assignedAtSeconds: 0,
            key: AssignmentKey(
                dpsEndpoint: "", idScope: "", registrationID: deviceID, certificateSHA256: identity.thumbprint)
        )
        var machine = TelemetryStateMachine(
            settings: .init(
                count: options.count, intervalMilliseconds: options.intervalMilliseconds, provisioning: nil,
                assignmentKey: nil,
                pauseAfterGivingUpMilliseconds: 0, pacedByDelivery: true
            ),
            saved: fixed, outbox: Outbox(capacity: 1), messageIDPrefix: prefix, random: random
        )
        var source = SimulatedReadings(fields: ReadingFields())
        let connections = client
        var sent = 0
        let start = clock.nowMilliseconds
        let (outcome, failure) = TelemetryLoop.run(&machine, source: &source, transport: &client, clock: clock) {
            event, _ in
            switch event {
            case .delivered(let readings, _, _):
                sent += readings
                if options.reconnectEach { connections.closeAll() }
            case .retrying(let failure, let delay, _):
                Log.warning("\(failure); sending again in \(RunReporter.seconds(delay))")
            case .dropped(let reading, let failure):
                Log.warning("the hub refused reading \(reading.sequence) for good (\(failure)); dropped it")
            default:
                break
            }
        }
        let elapsed = clock.nowMilliseconds - start
        client.closeAll()
        switch outcome {
        case .allDelivered, .stopped:
            Console.print(
                "kelvin: sent \(sent) readings to \(hub) as device \(deviceID) over \(client.connectionsOpened) TLS connections (\(client.connectionsResumed) resumed) in \(elapsed) ms"
            )
        case .transportFailed:
            throw Fatal(
                message: failure?.description ?? "the connection failed",
                exitCode: failure.map { ExitCode.of($0) } ?? .unavailable)
        case .undelivered(let pending), .provisioningFailed(_, let pending):
            throw Fatal(
                message:
                    "gave up sending: \(pending) of \(options.count) readings were not delivered; check the network and the hub",
                exitCode: .temporaryFailure)
        }
    }
}
