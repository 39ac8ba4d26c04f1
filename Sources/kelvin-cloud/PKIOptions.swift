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
    var days = 30
}

/// What `pki device` and `pki chain` share.
struct PKIDeviceOptions: Equatable {
    var directory: String
    var registrationID: String
    var name = "device"
    var keyAlgorithm = DeviceKeyAlgorithm.ecP256
    var passphraseSource: PassphraseSource?
    var days = 30
}

/// Where the device key's passphrase comes from: never argv, which every user can read in the
/// process list.
enum PassphraseSource: Equatable {
    case file(String)
    case environmentVariable(String)
}

extension PKIOptions {
    /// Lines for the usage synopsis, aligned under `usage: `.
    static let usageSynopsis = """
               kelvin-cloud pki server --dir DIR [--server-name NAME]... [--ip ADDRESS]...
               kelvin-cloud pki device --dir DIR --registration-id ID [--name NAME] [--key ec|rsa4096]
                                       [--passphrase-file FILE | --passphrase-env VAR] [--days N]
               kelvin-cloud pki chain  --dir DIR --registration-id ID [same options as device]
               kelvin-cloud pki sign   --dir DIR --csr REQUEST.csr --out CERT.pem [--days N]
        """

    static let usageDetails = """
        pki     Make the X.509 identities the Azure walkthroughs make with openssl.
          server                   server-ca.pem (and its key), server-cert.pem, server-key.pem,
                                   as init does; --server-name and --ip as for init
          device                   a self-signed device for an individual enrollment:
                                   NAME-cert.pem (CN=ID, clientAuth) and NAME-key.pem (PKCS#8)
          chain                    root-ca-{cert,key}.pem and intermediate-ca-{cert,key}.pem (reused
                                   while valid), then a device issued by the intermediate, as a group
                                   enrollment uses it: NAME-cert.pem, NAME-key.pem and
                                   NAME-fullchain.pem (leaf, then intermediate: what the device sends)
          sign                     a device certificate for the key in a signing request (kelvin key
                                   csr: a key in a TPM), issued by the intermediate CA of chain (made
                                   or reused in DIR); --out gets the leaf, then the intermediate.
                                   Enroll it as a chain device: serve --group-ca DIR/root-ca-cert.pem
          --csr FILE               the PEM request; its signature and CN (the registration ID) are checked
          --out FILE               where sign writes the certificate chain
          --registration-id ID     CN of the device certificate (required)
          --name NAME              file name prefix (default device)
          --key ec|rsa4096         device key: EC P-256 (default) or RSA 4096 bits (takes seconds)
          --passphrase-file FILE   encrypt the device key with the passphrase in FILE
          --passphrase-env VAR     encrypt the device key with the passphrase in variable VAR
          --days N                 device certificate validity (default 30)
        Valid existing files are kept; key files are mode 0600.
        """
}

extension CommandLineOptions {
    /// Parses what follows `pki`.
    static func parsePKI(_ arguments: ArraySlice<String>) throws(UsageError) -> PKIOptions {
        guard let kind = arguments.first, !kind.hasPrefix("--") else {
            throw UsageError(message: "pki needs what to make first: server, device, chain or sign")
        }
        var options = try optionPairs(Array(arguments.dropFirst()))
        if options.contains(where: { $0.name == "--passphrase" }) {
            throw UsageError(
                message: "--passphrase is not accepted, because every user can read the command line; "
                    + "use --passphrase-file FILE or --passphrase-env VAR"
            )
        }
        let directory = try take("--dir", from: &options, required: true)!
        let parsed: PKIOptions
        switch kind {
        case "server":
            parsed = .server(
                directory: directory,
                names: try serverNames(from: &options),
                addresses: try serverAddresses(from: &options)
            )
        case "device":
            parsed = .device(try pkiDeviceOptions(directory: directory, from: &options))
        case "chain":
            parsed = .chain(try pkiDeviceOptions(directory: directory, from: &options))
        case "sign":
            var sign = PKISignOptions(
                directory: directory,
                requestFile: try take("--csr", from: &options, required: true)!,
                outputFile: try take("--out", from: &options, required: true)!
            )
            if let days = try take("--days", from: &options) { sign.days = try integer(days, "--days", 1...36500) }
            parsed = .sign(sign)
        default:
            throw UsageError(message: "unknown pki kind '\(kind)' (expected server, device, chain or sign)")
        }
        try rejectLeftovers(options)
        return parsed
    }

    private static func pkiDeviceOptions(
        directory: String,
        from options: inout [(name: String, value: String)]
    ) throws(UsageError) -> PKIDeviceOptions {
        let registrationID = try take("--registration-id", from: &options, required: true)!
        guard RegistrationID.isValid(registrationID) else {
            throw UsageError(
                message: "--registration-id '\(registrationID)' is not a DPS registration ID: use letters, "
                    + "digits and - . _ : (ending in a letter, digit or -), at most \(RegistrationID.maximumLength)"
            )
        }
        var parsed = PKIDeviceOptions(directory: directory, registrationID: registrationID)
        if let name = try take("--name", from: &options) {
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw UsageError(message: "--name is a file name prefix such as sensor-1, not '\(name)'")
            }
            guard !TestIdentity.reservedDeviceNames.contains(name) else {
                throw UsageError(message: "--name \(name) would overwrite the server or CA files; choose another")
            }
            parsed.name = name
        }
        if let key = try take("--key", from: &options) {
            guard let algorithm = DeviceKeyAlgorithm(rawValue: key) else {
                let choices = DeviceKeyAlgorithm.allCases.map(\.rawValue).joined(separator: " or ")
                throw UsageError(message: "--key must be \(choices), not '\(key)'")
            }
            parsed.keyAlgorithm = algorithm
        }
        let file = try take("--passphrase-file", from: &options)
        let variable = try take("--passphrase-env", from: &options)
        switch (file, variable) {
        case (.some, .some):
            throw UsageError(message: "give either --passphrase-file or --passphrase-env, not both")
        case (.some(let file), nil):
            guard !file.isEmpty else { throw UsageError(message: "--passphrase-file needs a file name") }
            parsed.passphraseSource = .file(file)
        case (nil, .some(let variable)):
            guard !variable.isEmpty, !variable.contains("=") else {
                // Not echoed: a value with '=' may be the passphrase itself.
                throw UsageError(message: "--passphrase-env needs the name of an environment variable, such as PASSPHRASE")
            }
            parsed.passphraseSource = .environmentVariable(variable)
        case (nil, nil):
            break
        }
        if let days = try take("--days", from: &options) {
            parsed.days = try integer(days, "--days", 1...36500)
        }
        return parsed
    }
}
