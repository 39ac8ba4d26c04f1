/// Exit statuses from sysexits.h, so scripts and systemd can tell a typo from an outage.
enum ExitCode: Int32 {
    case success = 0
    case failure = 1
    case usage = 64
    case dataError = 65
    case noInput = 66
    case unavailable = 69
    case temporaryFailure = 75
    case permissionDenied = 77
    case configuration = 78
}

/// A failure that ends the command: what to print and how to exit.
struct Fatal: Error {
    let message: String
    let exitCode: ExitCode
}
