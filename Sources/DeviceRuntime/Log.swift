import Agent
import Platform
import Wire

/// The run's event lines on stderr, one per event, through `LogFormat`: journald priorities when
/// systemd connects stderr to the journal, plain otherwise.
enum Log {
    /// Set once at start from `--log-level`; one thread, so no lock.
    nonisolated(unsafe) static var format = LogFormat(threshold: .info, journal: Environment.value("JOURNAL_STREAM").isPresent)

    static func error(_ message: String) { write(.error, message) }
    static func warning(_ message: String) { write(.warning, message) }
    /// The message is only built when info lines are wanted: the loop logs one per delivery.
    static func info(_ message: @autoclosure () -> String) {
        guard format.threshold.rawValue >= LogLevel.info.rawValue else { return }
        write(.info, message())
    }
    /// The message is only built when debug lines are wanted: the loop logs one per reading.
    static func debug(_ message: @autoclosure () -> String) {
        guard format.threshold == .debug else { return }
        write(.debug, message())
    }

    private static func write(_ level: LogLevel, _ message: String) {
        guard let line = format.line(level, message) else { return }
        Console.printError(line)
    }
}
