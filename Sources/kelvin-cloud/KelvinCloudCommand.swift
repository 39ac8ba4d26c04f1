import ArgumentParser
import KelvinCloud

/// `kelvin-cloud`: the root of the command line, with its subcommands, help and completion scripts.
struct KelvinCloudCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kelvin-cloud",
        abstract: """
            A local Azure IoT Hub Device Provisioning Service and IoT Hub, over HTTPS with X.509 client \
            certificates, for tests and bench work.
            """,
        discussion: """
            Exit status: 0 success, 1 failure or time limit reached, 64 usage error, 66 missing file, \
            69 no emulator on the admin port (monitor), 73 cannot create a file, 78 invalid setup file \
            or configuration.
            """,
        subcommands: [InitCommand.self, ServeCommand.self, PKICommand.self, MonitorCommand.self]
    )

    /// Complaints about the command line start as every other complaint of the program does,
    /// rather than with ArgumentParser's "Error: ".
    static var _errorPrefix: String { "kelvin-cloud: " }

    func run() throws {
        throw ValidationError("missing subcommand (init, serve, pki or monitor)")
    }

    /// Parses `arguments`, runs what they ask for and returns the exit status. Help and completion
    /// scripts go to standard output; a refusal (its line, then the usage) to standard error.
    static func run(arguments: [String]) -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            return ExitStatus.success
        } catch {
            let status = exitCode(for: error).rawValue
            let text = fullMessage(for: error)
            // Help ends with a line end of its own; Console adds one.
            let lines = text.hasSuffix("\n") ? String(text.dropLast()) : text
            if status == ExitStatus.success {
                Console.say(lines)
            } else if !lines.isEmpty {
                Console.complain(lines)
            }
            return status
        }
    }

    /// One line naming the file and what to do about it; the status tells a file that could not
    /// be written from one that could not be read.
    static func reportFileProblem(_ error: IdentityFileError, fix: String) -> Int32 {
        Console.complain("kelvin-cloud: \(error) — \(fix)")
        if case .unwritable = error {
            return ExitStatus.cannotCreate
        }
        return ExitStatus.missingInput
    }
}
