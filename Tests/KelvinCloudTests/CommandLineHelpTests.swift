import ArgumentParser
import Foundation
import Testing

@testable import kelvin_cloud

/// What ArgumentParser makes of the command line: help for each command, one-line refusals with
/// status 64, and completion scripts.
@Suite struct CommandLineHelpTests {
    /// What `kelvin-cloud ARGUMENTS` prints and exits with, when parsing alone ends the run.
    private func outcome(_ arguments: [String]) -> (text: String, status: Int32)? {
        let ours: [ParsableCommand.Type] = [
            KelvinCloudCommand.self, InitCommand.self, ServeCommand.self, PKICommand.self, PKIServerCommand.self,
            PKIDeviceCommand.self, PKIChainCommand.self, MonitorCommand.self,
        ]
        do {
            var command = try KelvinCloudCommand.parseAsRoot(arguments)
            if ours.contains(where: { ObjectIdentifier($0) == ObjectIdentifier(type(of: command)) }) {
                return nil
            }
            // ArgumentParser's own commands (help) print by throwing from `run`.
            try command.run()
            return nil
        } catch {
            return (KelvinCloudCommand.fullMessage(for: error), KelvinCloudCommand.exitCode(for: error).rawValue)
        }
    }

    @Test func rootHelp_namesEveryCommandWithItsAbstract() throws {
        let help = try #require(outcome(["--help"]))
        #expect(help.status == ExitStatus.success)
        for command in [InitCommand.self, ServeCommand.self, PKICommand.self, MonitorCommand.self] as [ParsableCommand.Type] {
            let name = try #require(command.configuration.commandName)
            #expect(help.text.contains("  \(name) "), "\(name) in \(help.text)")
            #expect(!command.configuration.abstract.isEmpty)
        }
        #expect(help.text.contains("69 no emulator on the admin port"))
    }

    @Test(arguments: [
        ["init", "--help"], ["serve", "--help"], ["pki", "--help"], ["pki", "device", "--help"], ["monitor", "-h"],
        ["help", "serve"],
    ])
    func subcommandHelp_isPrintedAndEndsTheRunWithZero(arguments: [String]) throws {
        let help = try #require(outcome(arguments))
        #expect(help.status == ExitStatus.success)
        #expect(help.text.contains("USAGE: kelvin-cloud \(arguments.contains("help") ? "serve" : arguments.dropLast().joined(separator: " "))"))
    }

    /// Every command and option, as `--experimental-dump-help` describes them.
    private struct Dump: Decodable {
        struct Command: Decodable {
            var commandName: String
            var abstract: String?
            var arguments: [Argument]?
            var subcommands: [Command]?
        }

        struct Argument: Decodable {
            var valueName: String?
            var abstract: String?
            var shouldDisplay: Bool
        }

        var command: Command
    }

    @Test func everyCommandAndShownOption_hasAHelpLine() throws {
        let dump = try JSONDecoder().decode(Dump.self, from: Data(KelvinCloudCommand._dumpHelp().utf8))
        var pending = [dump.command]
        var options = 0
        while let command = pending.popLast() {
            // ArgumentParser's own `help` command is not ours to describe.
            if command.commandName == "help" { continue }
            #expect(command.abstract?.isEmpty == false, "\(command.commandName) has no abstract")
            for argument in command.arguments ?? [] where argument.shouldDisplay {
                #expect(argument.abstract?.isEmpty == false, "\(command.commandName) \(argument.valueName ?? "?")")
                options += 1
            }
            pending += command.subcommands ?? []
        }
        #expect(options > 30)
    }

    @Test func serveHelp_showsTheDefaults() throws {
        let help = KelvinCloudCommand.helpMessage(for: ServeCommand.self, columns: 200)
        let defaults = ServeOptions(directory: "")
        for line in [
            "--dps-port <port>", "(default: \(defaults.dpsPort))", "--hub <name[:port]>", "--tls <1.2|1.3|both>",
            "(default: \(defaults.tlsVersions.rawValue))", "--register-immediately", "--max-seconds <seconds>",
        ] {
            #expect(help.contains(line), "\(line) in \(help)")
        }
    }

    @Test(arguments: [
        (["serve", "--dir", "desk", "--colour", "red"], "Unknown option '--colour'"),
        (["init", "--dir", "desk", "extra"], "Unexpected argument 'extra'"),
        (["status"], "Unexpected argument 'status'"),
        (["serve", "--dir", "desk", "--dps-port", "many"], "The value 'many' is invalid for '--dps-port <port>'"),
        (["serve", "--dir", "desk", "--dps-port", "44300", "--hub-port", "44300"], "--dps-port and --hub-port must differ"),
    ])
    func badArgument_isRefusedInOneLineWithStatus64(arguments: [String], message: String) throws {
        let refusal = try #require(outcome(arguments))
        #expect(refusal.status == ExitStatus.usage)
        let lines = refusal.text.split(separator: "\n")
        #expect(lines.first.map(String.init) == "kelvin-cloud: \(message)")
        // The rest is the usage and where to read more, not more complaints.
        #expect(lines.dropFirst().allSatisfy { !$0.hasPrefix("kelvin-cloud: ") })
        #expect(lines.last?.contains("--help' for more information.") == true)
    }

    @Test func noSubcommand_isAUsageError() {
        #expect(KelvinCloudCommand.run(arguments: []) == ExitStatus.usage)
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScript_isGeneratedForEachShell(shell: String) throws {
        let script = try #require(outcome(["--generate-completion-script", shell]))
        #expect(script.status == ExitStatus.success)
        // Option names without their dashes: fish spells them `-l dps-port`.
        for word in ["kelvin-cloud", "serve", "monitor", "dps-port", "registration-id", "chain"] {
            #expect(script.text.contains(word), "\(word) in the \(shell) script")
        }
    }
}
