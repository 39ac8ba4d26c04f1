import Agent
import AzureIoT
import Platform
import Sensors
import Wire

enum Main {
    static func run(_ arguments: [String]) -> ExitCode {
        let command: Command
        do {
            command = try CommandLineParser.parse(arguments)
        } catch {
            Log.error("\(error)")
            return .usage
        }
        switch command {
        case .help:
            Console.print(CommandLineParser.helpText)
            return .success
        case .version:
            Console.print("kelvin " + KelvinVersion.text)
            return .success
        case .read(var options, let request):
            return report { () throws(Fatal) in
                options.sensor = try resolve(request).sensor
                try SensorRead(options: options).run()
            }
        case .status(let request):
            return report { () throws(Fatal) in try StatusReport(options: resolve(request)).run() }
        case .check(let request):
            return report { () throws(Fatal) in
                var check = HealthCheck(options: try resolve(request))
                try check.run()
            }
        case .scan(let bus):
            return report { () throws(Fatal) in try BusScan(busNumber: bus).run() }
        case .run(let request):
            return report { () throws(Fatal) in
                let options = try resolve(request)
                Log.format.threshold = options.logLevel
                try TelemetryRun(options: options, reloadOptions: { () throws(Fatal) in try resolve(request) }).run()
            }
        case .provision(let request, let force):
            return report { () throws(Fatal) in
                let options = try resolve(request)
                Log.format.threshold = options.logLevel
                try TelemetryRun(options: options).provision(force: force)
            }
        case .send(let options):
            return report { () throws(Fatal) in try SendRun(options: options).run() }
        }
    }

    /// The options from the configuration file, the environment and the flags.
    /// - Throws: `Fatal` with exit 66 when a file named by `--config` cannot be read, 78 for a
    ///   mistake in the file or the environment.
    private static func resolve(_ request: ConfigurationRequest) throws(Fatal) -> RunOptions {
        var file: [UInt8]?
        do {
            file = try Files.read(request.path, limit: ConfigFile.maximumBytes)
        } catch {
            if !request.isExplicit && error.isMissing {
                file = nil
            } else {
                let hint = request.isExplicit ? "; check --config" : "; fix it, or name another file with --config"
                throw Fatal(message: error.description + hint, exitCode: error.isMissing ? .noInput : .configuration)
            }
        }
        for name in Configuration.unknownEnvironmentNames(Environment.names()) {
            warn(Configuration.unknownEnvironmentWarning(name))
        }
        do {
            return try Configuration.resolve(file: file, path: request.path, environment: { Environment.value($0) }, flags: request.flags)
        } catch {
            throw Fatal(message: error.description, exitCode: .configuration)
        }
    }

    /// A problem the command works around (a retry), on stderr.
    static func warn(_ line: String) {
        Log.warning(line)
    }

    /// Runs a command, turning its failure into one error line and its exit status.
    private static func report(_ command: () throws(Fatal) -> Void) -> ExitCode {
        do {
            try command()
            return .success
        } catch {
            Log.error(error.message)
            return error.exitCode
        }
    }
}
