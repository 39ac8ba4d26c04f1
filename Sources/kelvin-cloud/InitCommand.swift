import ArgumentParser
import KelvinCloud

/// `kelvin-cloud init`: the files a local run needs, created once and then kept.
struct InitCommand: CheckedCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a test server identity and a self-signed device identity into DIR.",
        discussion: """
            The server identity is server-ca.pem, server-cert.pem and server-key.pem; the device's \
            device-cert.pem and device-key.pem. Valid existing files are kept.
            """
    )

    @OptionGroup var output: OutputDirectoryArguments

    @Option(
        name: .customLong("registration-id"),
        parsing: .unconditional,
        help: ArgumentHelp("CN of the device certificate.", valueName: "id")
    )
    var registrationID = InitOptions(directory: "").registrationID

    @OptionGroup var serverNames: ServerNameArguments

    func options() throws(ValidationError) -> InitOptions {
        InitOptions(
            directory: output.dir,
            registrationID: registrationID,
            serverNames: try serverNames.checkedNames(),
            serverAddresses: try serverNames.addressBytes()
        )
    }

    static func execute(_ options: InitOptions) -> Int32 {
        do {
            let server = try TestIdentity.createServerIdentity(
                in: options.directory,
                extraNames: options.serverNames,
                extraAddresses: options.serverAddresses
            )
            describe(server)
            let device = try TestIdentity.createSelfSignedDevice(
                registrationID: options.registrationID,
                in: options.directory
            )
            Console.say(
                "\(device.outcome.rawValue) \(device.certificateFile) "
                    + "(registration ID \(device.registrationID), SHA-256 thumbprint \(device.thumbprint))"
            )
            Console.say("\(device.outcome.rawValue) \(device.privateKeyFile)")
            Console.say("next: kelvin-cloud serve --dir \(options.directory)")
            return ExitStatus.success
        } catch let error as IdentityFileError {
            Console.complain("kelvin-cloud: \(error)")
            return ExitStatus.failure
        } catch {
            Console.complain("kelvin-cloud: cannot create the identity files: \(error)")
            return ExitStatus.failure
        }
    }

    /// One line per server identity file, created or kept.
    static func describe(_ server: ServerIdentityFiles) {
        let files = [server.caCertificateFile] + [server.caPrivateKeyFile].compactMap { $0 }
            + [server.certificateFile, server.privateKeyFile]
        for file in files {
            Console.say("\(server.outcome.rawValue) \(file)")
        }
    }
}
