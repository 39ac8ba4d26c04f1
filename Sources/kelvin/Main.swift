import Agent
import DeviceRuntime

/// argv → command → the runtime's runner for it.
enum Main {
    static func run(_ arguments: [String]) -> ExitCode {
        let command: Command
        do {
            command = try CommandLineParser.parse(arguments)
        } catch {
            return Commands.usageFailed(error)
        }
        switch command {
        case .help: return Commands.help()
        case .version: return Commands.version()
        case .read(let options, let request): return Commands.read(options, configuration: request)
        case .status(let request): return Commands.status(configuration: request)
        case .check(let request): return Commands.check(configuration: request)
        case .scan(let bus): return Commands.scan(bus: bus)
        case .run(let request): return Commands.run(configuration: request)
        case .provision(let request, let force): return Commands.provision(configuration: request, force: force)
        case .send(let options): return Commands.send(options)
        case .key(let command): return Commands.key(command)
        }
    }
}
