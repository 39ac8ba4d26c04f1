import ArgumentParser

/// A command whose options become one checked value that a static function runs. Validation
/// builds that value, so a bad option is refused, with its one line and status 64, before
/// anything runs; `run` builds it again rather than keep state ArgumentParser would not decode.
protocol CheckedCommand: ParsableCommand {
    associatedtype Options

    /// The options, checked; the one place they are interpreted.
    func options() throws(ValidationError) -> Options

    /// Does the work; returns the exit status.
    static func execute(_ options: Options) -> Int32
}

extension CheckedCommand {
    func validate() throws {
        _ = try options()
    }

    func run() throws {
        let status = Self.execute(try options())
        if status != ExitStatus.success {
            // ArgumentParser's way to exit with a status and no further message.
            throw ExitCode(status)
        }
    }
}
