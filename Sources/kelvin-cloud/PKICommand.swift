import ArgumentParser

/// `kelvin-cloud pki KIND`: one subcommand per kind of identity; another kind is one more small
/// struct here and its name in `subcommands`.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Make the X.509 identities the Azure walkthroughs make with openssl.",
        discussion: "Valid existing files are kept; key files are mode 0600.",
        subcommands: [PKIServerCommand.self, PKIDeviceCommand.self, PKIChainCommand.self, PKISignCommand.self]
    )

    func run() throws {
        throw ValidationError("pki needs what to make first: server, device, chain or sign")
    }
}

/// A `pki` subcommand: its options say which identity to make, and `PKICommand.write` makes it.
protocol PKIKindCommand: CheckedCommand where Options == PKIOptions {}

extension PKIKindCommand {
    static func execute(_ options: PKIOptions) -> Int32 {
        PKICommand.write(options)
    }
}

struct PKIServerCommand: PKIKindCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "server-ca.pem (and its key), server-cert.pem and server-key.pem, as init writes them."
    )

    @OptionGroup var output: OutputDirectoryArguments

    @OptionGroup var serverNames: ServerNameArguments

    func options() throws(ValidationError) -> PKIOptions {
        .server(directory: output.dir, names: try serverNames.checkedNames(), addresses: try serverNames.addressBytes())
    }
}

struct PKIDeviceCommand: PKIKindCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "A self-signed device for an individual enrollment.",
        discussion: "Writes NAME-cert.pem (CN=ID, clientAuth) and NAME-key.pem (PKCS#8)."
    )

    @OptionGroup var device: PKIDeviceArguments

    func options() throws(ValidationError) -> PKIOptions {
        .device(try device.options())
    }
}

struct PKIChainCommand: PKIKindCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "A root and an intermediate CA, and a device they issue, as a group enrollment uses it.",
        discussion: """
            Writes root-ca-{cert,key}.pem and intermediate-ca-{cert,key}.pem (reused while valid), then \
            NAME-cert.pem, NAME-key.pem and NAME-fullchain.pem (leaf, then intermediate: what the device sends).
            """
    )

    @OptionGroup var device: PKIDeviceArguments

    func options() throws(ValidationError) -> PKIOptions {
        .chain(try device.options())
    }
}

struct PKISignCommand: PKIKindCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "A device certificate for the key in a signing request (kelvin key csr: a key in a TPM).",
        discussion: """
            Checks the request's signature and its CN (the registration ID), then issues the certificate \
            under the intermediate CA of chain (made or reused in DIR); --out gets the leaf, then the \
            intermediate. Enroll it as a chain device: serve --group-ca DIR/root-ca-cert.pem.
            """
    )

    @OptionGroup var output: OutputDirectoryArguments

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("The PEM signing request.", valueName: "request.csr"),
        completion: .file()
    )
    var csr: String

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Where the certificate chain goes.", valueName: "cert.pem"),
        completion: .file()
    )
    var out: String

    @Option(parsing: .unconditional, help: ArgumentHelp("Device certificate validity in days.", valueName: "n"))
    var days = PKIDeviceOptions.defaultDays

    func options() throws(ValidationError) -> PKIOptions {
        guard !csr.isEmpty else { throw ValidationError("--csr needs the request kelvin key csr wrote") }
        guard !out.isEmpty else { throw ValidationError("--out needs a file name for the certificate") }
        return .sign(
            PKISignOptions(
                directory: output.dir,
                requestFile: csr,
                outputFile: out,
                days: try OptionValues.integer(days, "--days", 1...36500)
            )
        )
    }
}
