import KelvinCloud

/// `kelvin-cloud init`: the files a local run needs, created once and then kept.
enum InitCommand {
    static func run(_ options: InitOptions) -> Int32 {
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
            return ExitCode.success
        } catch let error as IdentityFileError {
            Console.complain("kelvin-cloud: \(error)")
            return ExitCode.failure
        } catch {
            Console.complain("kelvin-cloud: cannot create the identity files: \(error)")
            return ExitCode.failure
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
