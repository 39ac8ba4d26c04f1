import AzureIoT
import HTTP1

/// Runs the `ProvisioningStateMachine` over a transport and a clock until DPS assigns the
/// device, within an overall deadline.
public enum ProvisioningDriver {
    public static func provision<Transport: HTTPTransport, Clock: AgentClock, Random: RandomSource>(
        _ settings: ProvisioningSettings,
        transport: inout Transport,
        clock: Clock,
        random: Random,
        timeoutMilliseconds: Int64,
        log: (String) -> Void
    ) throws(ProvisioningRunError<Transport.Failure>) -> (Assignment, requests: Int) {
        let deadline = clock.nowMilliseconds + timeoutMilliseconds
        var machine = ProvisioningStateMachine(settings: settings, random: random)
        var action = machine.start()
        var lastTransportFailure: Transport.Failure?
        while true {
            switch action {
            case .send(let request):
                do {
                    let response = try transport.send(request)
                    lastTransportFailure = nil
                    action = machine.responseReceived(response)
                } catch {
                    guard Transport.isTransient(error) else { throw .transport(error) }
                    log("\(error); retrying")
                    lastTransportFailure = error
                    action = machine.requestFailed(error.description)
                }
            case .sleep(let milliseconds):
                guard clock.nowMilliseconds + milliseconds < deadline else {
                    throw .timedOut(afterMilliseconds: timeoutMilliseconds, lastTransportFailure: lastTransportFailure)
                }
                clock.sleep(milliseconds: milliseconds)
                action = machine.timerFired()
            case .assigned(let assignment):
                return (assignment, machine.requestsSent)
            case .fail(let error):
                throw .provisioning(error)
            }
        }
    }
}

public enum ProvisioningRunError<TransportFailure: Error & CustomStringConvertible>: Error, CustomStringConvertible {
    /// A failure no retry can fix (for example, an untrusted server certificate).
    case transport(TransportFailure)
    case provisioning(ProvisioningError)
    case timedOut(afterMilliseconds: Int64, lastTransportFailure: TransportFailure?)

    public var description: String {
        switch self {
        case .transport(let failure):
            return failure.description
        case .provisioning(let error):
            return error.description
        case .timedOut(let milliseconds, let failure):
            return ProvisioningFailure.timedOut(afterMilliseconds: milliseconds, lastConnectionProblem: failure?.description).description
        }
    }
}
