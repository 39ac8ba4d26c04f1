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
        case .read(let options):
            return report { () throws(Fatal) in try SensorRead(options: options).run() }
        case .scan(let bus):
            return report { () throws(Fatal) in try BusScan(busNumber: bus).run() }
        case .run(let options):
            Log.format.threshold = options.logLevel
            return report { () throws(Fatal) in try TelemetryRun(options: options).run() }
        case .provision(let options, let force):
            Log.format.threshold = options.logLevel
            return report { () throws(Fatal) in try TelemetryRun(options: options).provision(force: force) }
        case .send(let options):
            return report { () throws(Fatal) in try SendRun(options: options).run() }
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
