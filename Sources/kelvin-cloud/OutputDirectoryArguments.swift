import ArgumentParser

/// `--dir`, for the commands that write identity files.
struct OutputDirectoryArguments: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("The directory the identity files go into.", valueName: "dir"),
        completion: .directory
    )
    var dir: String
}
