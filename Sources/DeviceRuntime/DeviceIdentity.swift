import Agent
import AzureIoT
import HTTPSClient
import Platform
import Wire

/// The device's certificate and key, loaded and checked before any network traffic.
struct DeviceIdentity {
    let context: TLSContext
    let registrationID: RegistrationID
    let thumbprint: String

    static func load(_ options: RunOptions, clock: MonotonicClock) throws(Fatal) -> DeviceIdentity {
        let passphrase = try loadPassphrase(options)
        let context: TLSContext
        do {
            context = try TLSContext(TLSContext.Configuration(
                trustedCAPath: options.trustedCAPath,
                trustedCADirectory: options.trustedCADirectory,
                certificateChainPath: options.certificatePath,
                privateKeyPath: options.keyPath,
                passphrase: passphrase
            ))
        } catch {
            throw Fatal(message: error.description, exitCode: exitCode(for: error))
        }
        guard let commonName = context.certificateCommonName else {
            throw Fatal(
                message: "the device certificate \(options.certificatePath) has no subject CN; DPS uses the CN as the registration ID",
                exitCode: .configuration
            )
        }
        let registrationID: RegistrationID
        do {
            registrationID = try RegistrationID(commonName: commonName)
        } catch {
            throw Fatal(
                message: "the CN \"\(commonName)\" of \(options.certificatePath) cannot be a DPS registration ID: it \(error); issue a certificate with a valid CN",
                exitCode: .configuration
            )
        }
        if registrationID.hasUpperCase {
            Log.warning("the CN \"\(commonName)\" has upper-case letters; DPS has rejected such registration IDs before (400004) — prefer a lower-case CN")
        }
        if let validity = context.certificateValidity {
            let now = clock.wallClockSeconds
            if now < validity.notBefore {
                Log.warning("the device certificate is not valid yet by this clock — is the system clock set? (check `date` and NTP)")
            } else if now > validity.notAfter {
                throw Fatal(message: "the device certificate \(options.certificatePath) has expired; issue and enroll a new one", exitCode: .configuration)
            }
        }
        return DeviceIdentity(context: context, registrationID: registrationID, thumbprint: ASCII.hexadecimalString(context.certificateSHA256))
    }

    /// What a saved assignment must have been made for to serve this device with `options`, as
    /// `AssignmentKeeper` checks it before a run.
    func assignmentKey(_ options: RunOptions) -> AssignmentKey {
        AssignmentKey(
            dpsEndpoint: Endpoint(parsing: options.dpsEndpoint)?.description ?? options.dpsEndpoint,
            idScope: options.idScope, registrationID: registrationID.value, certificateSHA256: thumbprint
        )
    }

    /// The passphrase comes from a file or the environment, never argv, where any user could
    /// read it in the process list.
    private static func loadPassphrase(_ options: RunOptions) throws(Fatal) -> [UInt8] {
        var bytes: [UInt8]
        if let path = options.keyPassphrasePath {
            do {
                bytes = try Files.read(path, limit: 4096)
            } catch {
                throw Fatal(message: TLSError.passphraseFileUnreadable(path: path, error).description, exitCode: .noInput)
            }
        } else if let value = Environment.value("KELVIN_KEY_PASSPHRASE") {
            bytes = Array(value.utf8)
        } else {
            return []
        }
        // A file written by `echo` ends in a newline that is not part of the passphrase.
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        return bytes
    }

    private static func exitCode(for error: TLSError) -> ExitCode {
        switch error {
        case .trustFileUnreadable(_, let errno), .trustDirectoryUnreadable(_, let errno), .certificateUnreadable(_, let errno),
             .keyUnreadable(_, let errno):
            return errno == .permissionDenied ? .permissionDenied : .noInput
        case .trustFileInvalid, .certificateInvalid, .keyInvalid:
            return .dataError
        default:
            return .configuration
        }
    }
}
