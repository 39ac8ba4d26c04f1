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
            Console.printError("kelvin: error: \(error)")
            return .usage
        }
        switch command {
        case .help:
            Console.print(CommandLineParser.helpText)
            return .success
        case .version:
            Console.print("kelvin " + KelvinVersion.text)
            return .success
        case .read(let count, let interval):
            readSensor(count: count, intervalMilliseconds: interval)
            return .success
        case .run(let options):
            do {
                try TelemetryRun(options: options).run()
                return .success
            } catch {
                Console.printError("kelvin: error: " + error.message)
                return error.exitCode
            }
        }
    }

    private static func readSensor(count: Int, intervalMilliseconds: Int64) {
        var sensor = SimulatedSensor()
        let clock = MonotonicClock()
        for index in 0..<count {
            if index > 0 { clock.sleep(milliseconds: intervalMilliseconds) }
            Console.print("simulated: " + sensor.read().description)
        }
    }
}
