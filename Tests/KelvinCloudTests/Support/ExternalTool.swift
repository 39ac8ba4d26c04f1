import Foundation

/// Runs a system tool (curl, openssl) as an independent peer and captures what it printed.
struct ToolRun {
    var exitCode: Int32
    var standardOutput: String
    var standardError: String
}

enum ExternalTool {
    static func run(_ tool: String, _ arguments: [String], standardInput: String? = nil) throws -> ToolRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let standardInput {
            input.fileHandleForWriting.write(Data(standardInput.utf8))
        }
        try input.fileHandleForWriting.close()
        // Drain the pipes before waiting, so a chatty tool cannot block on a full pipe.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ToolRun(
            exitCode: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self)
        )
    }
}
