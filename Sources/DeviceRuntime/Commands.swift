import Agent
import AzureIoT
import Platform

/// Each command of `kelvin`, run to its end: one error line and a sysexits status on failure.
public enum Commands {
    public static func usageFailed(_ error: UsageError) -> ExitCode {
        Log.error("\(error)")
        return .usage
    }

    public static func help() -> ExitCode {
        Console.print(CommandLineParser.helpText)
        return .success
    }

    public static func version() -> ExitCode {
        Console.print("kelvin " + KelvinVersion.text)
        return .success
    }

    public static func read(_ options: ReadOptions, configuration request: ConfigurationRequest) -> ExitCode {
        report { () throws(Fatal) in
            var options = options
            options.sensor = try RunOptionsLoader.load(request).sensor
            try SensorRead(options: options).run()
        }
    }

    public static func status(configuration request: ConfigurationRequest) -> ExitCode {
        report { () throws(Fatal) in try StatusReport(options: RunOptionsLoader.load(request)).run() }
    }

    public static func check(configuration request: ConfigurationRequest) -> ExitCode {
        report { () throws(Fatal) in
            var check = HealthCheck(options: try RunOptionsLoader.load(request))
            try check.run()
        }
    }

    public static func scan(bus: Int) -> ExitCode {
        report { () throws(Fatal) in try BusScan(busNumber: bus).run() }
    }

    public static func run(configuration request: ConfigurationRequest) -> ExitCode {
        report { () throws(Fatal) in
            let options = try RunOptionsLoader.load(request)
            Log.format.threshold = options.logLevel
            try AgentRun(options: options, reloadOptions: { () throws(Fatal) in try RunOptionsLoader.load(request) })
                .run()
        }
    }

    public static func provision(configuration request: ConfigurationRequest, force: Bool) -> ExitCode {
        report { () throws(Fatal) in
            let options = try RunOptionsLoader.load(request)
            Log.format.threshold = options.logLevel
            try AgentRun(options: options).provision(force: force)
        }
    }

    public static func send(_ options: SendOptions) -> ExitCode {
        report { () throws(Fatal) in try SendRun(options: options).run() }
    }

    public static func key(_ command: KeyCommand) -> ExitCode {
        report { () throws(Fatal) in
            switch command {
            case .create(let handle): try TPMKeyCreation(handle: handle).run()
            case .request(let options): try KeyRequest(options: options).run()
            }
        }
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
