import ArgumentParser
import Testing

@testable import kelvin_cloud

/// `kelvin-cloud ARGUMENTS` as the program parses and validates it, without running anything.
enum KelvinCloudCommandLine {
    /// The command the arguments name, parsed and checked; an issue if it is another one.
    static func parse<Command: ParsableCommand>(
        _ arguments: [String],
        as _: Command.Type,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Command {
        let parsed = try KelvinCloudCommand.parseAsRoot(arguments)
        return try #require(parsed as? Command, "parsed as \(type(of: parsed))", sourceLocation: sourceLocation)
    }

    /// The line the program refuses the arguments with, or `nil` if it takes them.
    static func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try KelvinCloudCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return KelvinCloudCommand.message(for: error)
        }
    }
}
