import ArgumentParser
import KelvinCloud

/// `kelvin-cloud pki …`: which identity files to make.
enum PKIOptions: Equatable {
    /// `names` and `addresses`: what the server certificate covers besides localhost and 127.0.0.1.
    case server(directory: String, names: [String] = [], addresses: [[UInt8]] = [])
    case device(PKIDeviceOptions)
    case chain(PKIDeviceOptions)
    /// A certificate for a key the emulator never sees, from its signing request.
    case sign(PKISignOptions)
}

/// What `pki sign` needs: the request, where the certificate goes, the CAs' directory.
struct PKISignOptions: Equatable {
    var directory: String
    var requestFile: String
    var outputFile: String
    var days = PKIDeviceOptions.defaultDays
}

/// What `pki device` and `pki chain` share.
struct PKIDeviceOptions: Equatable {
    var directory: String
    var registrationID: String
    var name = Self.defaultName
    var keyAlgorithm = DeviceKeyAlgorithm.ecP256
    var passphraseSource: PassphraseSource?
    var days = Self.defaultDays

    static let defaultName = "device"
    static let defaultDays = 30
}

/// Where the device key's passphrase comes from: never argv, which every user can read in the
/// process list.
enum PassphraseSource: Equatable {
    case file(String)
    case environmentVariable(String)
}

/// The options `pki device` and `pki chain` share.
struct PKIDeviceArguments: ParsableArguments {
    @OptionGroup var output: OutputDirectoryArguments

    @Option(
        name: .customLong("registration-id"),
        parsing: .unconditional,
        help: ArgumentHelp("CN of the device certificate.", valueName: "id")
    )
    var registrationID: String

    @Option(parsing: .unconditional, help: ArgumentHelp("File name prefix.", valueName: "name"))
    var name = PKIDeviceOptions.defaultName

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Device key: EC P-256, or RSA 4096 bits (takes seconds).", valueName: "ec|rsa4096"),
        completion: .list(DeviceKeyAlgorithm.allCases.map(\.rawValue))
    )
    var key = DeviceKeyAlgorithm.ecP256.rawValue

    @Option(
        name: .customLong("passphrase-file"),
        parsing: .unconditional,
        help: ArgumentHelp("Encrypt the device key with the passphrase in FILE.", valueName: "file"),
        completion: .file()
    )
    var passphraseFile: String?

    @Option(
        name: .customLong("passphrase-env"),
        parsing: .unconditional,
        help: ArgumentHelp("Encrypt the device key with the passphrase in variable VAR.", valueName: "var")
    )
    var passphraseVariable: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Device certificate validity in days.", valueName: "n"))
    var days = PKIDeviceOptions.defaultDays

    /// Declared only to be refused with the reason, rather than as an unknown option.
    @Option(parsing: .unconditional, help: .private)
    var passphrase: String?

    /// The options, checked.
    func options() throws(ValidationError) -> PKIDeviceOptions {
        if passphrase != nil {
            throw ValidationError(
                "--passphrase is not accepted, because every user can read the command line; "
                    + "use --passphrase-file FILE or --passphrase-env VAR"
            )
        }
        guard RegistrationID.isValid(registrationID) else {
            throw ValidationError(
                "--registration-id '\(registrationID)' is not a DPS registration ID: use letters, "
                    + "digits and - . _ : (ending in a letter, digit or -), at most \(RegistrationID.maximumLength)"
            )
        }
        var parsed = PKIDeviceOptions(directory: output.dir, registrationID: registrationID)
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw ValidationError("--name is a file name prefix such as sensor-1, not '\(name)'")
        }
        guard !TestIdentity.reservedDeviceNames.contains(name) else {
            throw ValidationError("--name \(name) would overwrite the server or CA files; choose another")
        }
        parsed.name = name
        guard let algorithm = DeviceKeyAlgorithm(rawValue: key) else {
            let choices = DeviceKeyAlgorithm.allCases.map(\.rawValue).joined(separator: " or ")
            throw ValidationError("--key must be \(choices), not '\(key)'")
        }
        parsed.keyAlgorithm = algorithm
        switch (passphraseFile, passphraseVariable) {
        case (.some, .some):
            throw ValidationError("give either --passphrase-file or --passphrase-env, not both")
        case (.some(let file), nil):
            guard !file.isEmpty else { throw ValidationError("--passphrase-file needs a file name") }
            parsed.passphraseSource = .file(file)
        case (nil, .some(let variable)):
            guard !variable.isEmpty, !variable.contains("=") else {
                // Not echoed: a value with '=' may be the passphrase itself.
                throw ValidationError("--passphrase-env needs the name of an environment variable, such as PASSPHRASE")
            }
            parsed.passphraseSource = .environmentVariable(variable)
        case (nil, nil):
            break
        }
        parsed.days = try OptionValues.integer(days, "--days", 1...36500)
        return parsed
    }
}
