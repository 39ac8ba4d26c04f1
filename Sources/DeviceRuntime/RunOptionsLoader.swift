import Agent
import Platform

/// The options from the configuration file, the environment and the flags.
enum RunOptionsLoader {
    /// - Throws: `Fatal` with exit 66 when a file named by `--config` cannot be read, 78 for a
    ///   mistake in the file or the environment.
    static func load(_ request: ConfigurationRequest) throws(Fatal) -> RunOptions {
        var file: [UInt8]?
        do {
            file = try Files.read(request.path, limit: ConfigFile.maximumBytes)
        } catch {
            if !request.isExplicit && error.isMissing {
                file = nil
            } else {
                let hint = request.isExplicit ? "; check --config" : "; fix it, or name another file with --config"
                throw Fatal(message: error.description + hint, exitCode: error.isMissing ? .noInput : .configuration)
            }
        }
        for name in Configuration.unknownEnvironmentNames(Environment.names()) {
            Log.warning(Configuration.unknownEnvironmentWarning(name))
        }
        do {
            return try Configuration.resolve(
                file: file, path: request.path, environment: { Environment.value($0) }, flags: request.flags)
        } catch {
            throw Fatal(message: error.description, exitCode: .configuration)
        }
    }
}
