import Agent
import AzureIoT
import HTTP1
import HTTPSClient
import Platform
import Sensors
import Wire

extension MonotonicClock: AgentClock {}

/// `kelvin run`: provision through DPS, then send simulated readings to the assigned hub over
/// one kept-alive connection per host.
struct TelemetryRun {
    let options: RunOptions
    let clock = MonotonicClock()

    func run() throws(Fatal) {
        Process.ignoreBrokenPipe()
        guard let dps = Endpoint(parsing: options.dpsEndpoint) else {
            throw Fatal(message: "--dps \"\(options.dpsEndpoint)\" is not host or host:port", exitCode: .usage)
        }
        let proxySettings = try ClientSetup.proxySettings(options)
        let identity = try DeviceIdentity.load(options, clock: clock)
        Console.print("kelvin: device \(identity.registrationID) (certificate SHA-256 \(identity.thumbprint))")
        var client = ClientSetup.client(options, identity: identity, proxySettings: proxySettings)
        let settings = ProvisioningSettings(endpoint: dps, idScope: options.idScope, registrationID: identity.registrationID)
        Console.print("kelvin: registering with DPS at \(settings.endpoint) (ID scope \(settings.idScope))")
        let assignment: Assignment
        do {
            let (assigned, requests) = try ProvisioningDriver.provision(
                settings, transport: &client, clock: clock, timeoutMilliseconds: options.provisioningTimeoutMilliseconds, log: { Main.warn($0) }
            )
            assignment = assigned
            Console.print("kelvin: assigned to hub \(assignment.hub) as device \(assignment.deviceID) (\(assignment.substatus)) after \(requests) DPS requests")
        } catch {
            throw Fatal(message: error.description, exitCode: ExitCode.of(error))
        }
        try sendReadings(to: assignment, client: &client, identity: identity)
        client.closeAll()
    }

    private func sendReadings(to assignment: Assignment, client: inout HTTPSClient, identity: DeviceIdentity) throws(Fatal) {
        var sender = ReadingSender(assignment: assignment, identity: identity, clock: clock)
        var nextReading = clock.nowMilliseconds
        while options.count == 0 || sender.sent < options.count {
            let temperature = try sender.sendNext(client: &client, clock: clock, log: { Main.warn($0) })
            let progress = options.count > 0 ? "\(sender.sent)/\(options.count)" : "\(sender.sent)"
            Console.print("kelvin: sent \(temperature) to \(assignment.hub) (\(progress))")
            if options.count > 0 && sender.sent == options.count { break }
            // Readings keep to the schedule whatever the network cost, never bunching up.
            nextReading += options.intervalMilliseconds
            clock.sleep(milliseconds: nextReading - clock.nowMilliseconds)
        }
        Console.print("kelvin: done: \(sender.sent) readings sent over \(client.connectionsOpened) TLS connections")
    }
}

extension ExitCode {
    static func of(_ error: HTTPSError) -> ExitCode {
        switch error {
        case .tls(.clientCertificateRejected): return .permissionDenied
        case .tls(.handshakeTimedOut), .tls(.handshakeInterrupted): return .unavailable
        case .tls, .encoding: return .configuration
        case .connect, .timedOut, .connectionClosed, .io: return .unavailable
        case .protocolViolation: return .dataError
        case .proxy(let failure):
            if failure.isTransient { return .unavailable }
            if case .malformedAnswer = failure { return .dataError }
            return .permissionDenied
        }
    }

    static func of(_ error: ProvisioningRunError<HTTPSError>) -> ExitCode {
        switch error {
        case .transport(let failure): return of(failure)
        case .provisioning(.rejected), .provisioning(.enrollmentDisabled): return .permissionDenied
        case .provisioning(.gaveUp): return .temporaryFailure
        case .provisioning(.malformedResponse): return .dataError
        case .provisioning(.unexpectedEvent): return .failure
        case .timedOut(_, .some): return .unavailable
        case .timedOut(_, nil): return .temporaryFailure
        }
    }

    static func of(_ error: DeliveryError<HTTPSError>) -> ExitCode {
        switch error {
        case .transport(let failure): return of(failure)
        case .identityRejected: return .permissionDenied
        case .refused: return .dataError
        case .gaveUp: return .temporaryFailure
        }
    }
}
