import KelvinCloud

/// Entry point: parses the command line and runs a subcommand, returning the exit status.
enum KelvinCloudCommand {
    static func run(arguments: [String]) -> Int32 {
        let invocation: Invocation
        do throws(UsageError) {
            invocation = try CommandLineOptions.parse(arguments)
        } catch {
            Console.complain("kelvin-cloud: \(error.message)")
            Console.complain(CommandLineOptions.usage)
            return ExitCode.usage
        }
        switch invocation {
        case .help:
            Console.say(CommandLineOptions.usage)
            return ExitCode.success
        case .initialize(let options):
            return InitCommand.run(options)
        case .serve(let options):
            return ServeCommand.run(options)
        case .pki(let options):
            return PKICommand.run(options)
        case .monitor(let options):
            return MonitorCommand.run(options)
        }
    }

    /// One line naming the file and what to do about it; the status tells a file that could not
    /// be written from one that could not be read.
    static func reportFileProblem(_ error: IdentityFileError, fix: String) -> Int32 {
        Console.complain("kelvin-cloud: \(error) — \(fix)")
        if case .unwritable = error {
            return ExitCode.cannotCreate
        }
        return ExitCode.missingInput
    }
}
