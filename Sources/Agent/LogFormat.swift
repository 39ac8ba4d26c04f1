import Wire

/// How important a log line is; the raw values are syslog's priorities, which journald reads
/// from a `<N>` prefix.
public enum LogLevel: Int, CaseIterable, Equatable, Sendable, CustomStringConvertible {
    case error = 3
    case warning = 4
    case info = 6
    case debug = 7

    /// `--log-level`'s words.
    public init?(name: String) {
        guard let level = Self.allCases.first(where: { ASCII.equals($0.description, name) }) else { return nil }
        self = level
    }

    public var description: String {
        switch self {
        case .error: return "error"
        case .warning: return "warning"
        case .info: return "info"
        case .debug: return "debug"
        }
    }
}

/// Turns an event into its stderr line: plain for a person at a terminal
/// (`kelvin: warning: …`), or with a `<N>` priority prefix when stderr is the journal (systemd
/// sets `JOURNAL_STREAM`), since journald already names the program and shows the priority.
public struct LogFormat: Equatable, Sendable {
    /// The least important level still written.
    public var threshold: LogLevel
    public var journal: Bool

    public init(threshold: LogLevel = .info, journal: Bool = false) {
        self.threshold = threshold
        self.journal = journal
    }

    /// The line for `message` at `level`, or nil when the threshold leaves it out.
    ///
    /// Controls in `message` are escaped (``PrintableText/escaped(_:)``): messages quote what
    /// servers and files say, and a newline there would start a line of their choosing in the
    /// journal (a `<0>` prefix included), an escape sequence would rewrite a terminal.
    public func line(_ level: LogLevel, _ message: String) -> String? {
        guard level.rawValue <= threshold.rawValue else { return nil }
        let message = PrintableText.escaped(message)
        if journal { return "<\(level.rawValue)>" + message }
        switch level {
        case .info: return "kelvin: " + message
        case .error, .warning, .debug: return "kelvin: \(level): " + message
        }
    }
}
