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

    /// Loads and checks the certificate and key.
    /// - Parameter secretFilesChecked: true when the caller has already judged the key's and
    ///   the passphrase file's permissions by ``SecretFile`` (as `kelvin check` does, line by
    ///   line); otherwise a secret readable by others is refused here.
    static func load(_ options: RunOptions, clock: MonotonicClock, secretFilesChecked: Bool = false) throws(Fatal) -> DeviceIdentity {
        let location = try keyLocation(options)
        var provider: String?
        if case .provider(let name, _) = location {
            // Nothing of the key is on disk: no file to judge, no passphrase to read.
            provider = name
        } else if !secretFilesChecked {
            try refuseExposed(options.keyPath, what: "the device key")
            if let path = options.keyPassphrasePath { try refuseExposed(path, what: "the passphrase file") }
        }
        var passphrase = provider == nil ? try loadPassphrase(options) : []
        // Wiped however the load ends; the configuration holding a second reference to the
        // bytes is gone by then, so the wipe is of the one buffer OpenSSL read from.
        defer { Files.wipe(&passphrase) }
        let context: TLSContext
        do {
            context = try TLSContext(TLSContext.Configuration(
                trustedCAPath: options.trustedCAPath,
                trustedCADirectory: options.trustedCADirectory,
                certificateChainPath: options.certificatePath,
                privateKeyPath: options.keyPath,
                keyProvider: provider,
                passphrase: passphrase
            ))
        } catch {
            if case .passphraseNeeded(let path) = error, options.keyPassphrasePath == nil, consumedEnvironmentPassphrase {
                throw Fatal(
                    message: "the device key \(path) is encrypted, and \(Configuration.passphraseVariable) was removed from the environment after the first read; to reload with an encrypted key use --key-passphrase-file, or restart",
                    exitCode: .configuration
                )
            }
            throw Fatal(message: error.description, exitCode: exitCode(for: error))
        }
        if case .provider = location {
            let kind = context.providerKeyDescription.map { " (\($0))" } ?? ""
            Log.info("the device key is \(location)\(kind): it signs there and is never read")
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

    /// - Throws: a configuration `Fatal` when `identity.key` and `identity.key_provider` do not fit.
    static func keyLocation(_ options: RunOptions) throws(Fatal) -> DeviceKeyLocation {
        do {
            return try DeviceKeyLocation.resolve(key: options.keyPath, provider: options.keyProvider)
        } catch {
            throw Fatal(message: error.description, exitCode: .configuration)
        }
    }

    /// What a saved assignment must have been made for to serve this device with `options`, as
    /// `AssignmentKeeper` checks it before a run.
    func assignmentKey(_ options: RunOptions) -> AssignmentKey {
        AssignmentKey(
            dpsEndpoint: Endpoint(parsing: options.dpsEndpoint)?.description ?? options.dpsEndpoint,
            idScope: options.idScope, registrationID: registrationID.value, certificateSHA256: thumbprint
        )
    }

    /// Whether this process took `KELVIN_KEY_PASSPHRASE` out of its environment: a reload
    /// (SIGHUP) then finds it gone. One thread, set once.
    nonisolated(unsafe) private static var consumedEnvironmentPassphrase = false

    private static func refuseExposed(_ path: String, what: String) throws(Fatal) {
        // A file that cannot be looked at is said by the load itself, with its own fix.
        guard let exposure = try? SecretFile.exposure(path, what: what) else { return }
        throw Fatal(message: exposure, exitCode: .configuration)
    }

    /// The passphrase comes from a file or the environment, never argv, where any user could
    /// read it in the process list. The variable is removed from the environment once read
    /// (and its value overwritten), so that no child process or core dump carries it.
    private static func loadPassphrase(_ options: RunOptions) throws(Fatal) -> [UInt8] {
        var bytes: [UInt8]
        if let path = options.keyPassphrasePath {
            do {
                bytes = try Files.readSecret(path, limit: 4096)
            } catch {
                throw Fatal(message: TLSError.passphraseFileUnreadable(path: path, error).description, exitCode: .noInput)
            }
        } else if let value = Environment.take(Configuration.passphraseVariable, limit: 4096) {
            consumedEnvironmentPassphrase = true
            bytes = value
        } else {
            return []
        }
        // A file written by `echo` ends in a newline that is not part of the passphrase.
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        return bytes
    }

    static func exitCode(for error: TLSError) -> ExitCode {
        switch error {
        case .trustFileUnreadable(_, let errno), .trustDirectoryUnreadable(_, let errno), .certificateUnreadable(_, let errno),
             .keyUnreadable(_, let errno):
            return errno == .permissionDenied ? .permissionDenied : .noInput
        case .trustFileInvalid, .certificateInvalid, .keyInvalid:
            return .dataError
        case .providerMissing, .providerFailed:
            return .unavailable
        default:
            return .configuration
        }
    }
}
