import Agent
import AzureIoT
import HTTPSClient

/// Exit statuses from sysexits.h, so scripts and systemd can tell a typo from an outage.
public enum ExitCode: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 64
    case dataError = 65
    case noInput = 66
    case unavailable = 69
    case temporaryFailure = 75
    case permissionDenied = 77
    case configuration = 78
}

/// A failure that ends the command: what to print and how to exit.
public struct Fatal: Error {
    public let message: String
    public let exitCode: ExitCode

    public init(message: String, exitCode: ExitCode) {
        self.message = message
        self.exitCode = exitCode
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

    static func of(_ error: ProvisioningError) -> ExitCode {
        switch error {
        case .rejected, .enrollmentDisabled: return .permissionDenied
        case .gaveUp: return .temporaryFailure
        case .malformedResponse: return .dataError
        case .unexpectedEvent: return .failure
        }
    }

    static func of(_ failure: ProvisioningFailure) -> ExitCode {
        switch failure {
        case .refused(let error): return of(error)
        case .unreachable: return .unavailable
        case .timedOut(_, .some): return .unavailable
        case .timedOut(_, nil): return .temporaryFailure
        }
    }

    static func of(_ error: ProvisioningRunError<HTTPSError>) -> ExitCode {
        switch error {
        case .transport(let failure): return of(failure)
        case .provisioning(let refusal): return of(refusal)
        case .timedOut(_, .some): return .unavailable
        case .timedOut(_, nil): return .temporaryFailure
        }
    }
}
