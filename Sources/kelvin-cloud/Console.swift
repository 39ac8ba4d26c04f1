import Foundation

/// Output for people: whole lines in single unbuffered writes, so they interleave cleanly with the
/// server's log lines written from the event loop.
enum Console {
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func complain(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// sysexits(3) codes, so scripts can tell a typo from a missing file from a failed run.
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let missingInput: Int32 = 66
    /// EX_UNAVAILABLE: the emulator the command talks to is not running.
    static let unavailable: Int32 = 69
    static let cannotCreate: Int32 = 73
    static let configuration: Int32 = 78
}
