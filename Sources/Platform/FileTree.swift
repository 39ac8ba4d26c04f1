import Sensors

/// The real file system as a ``TextSource``, for the kernel's sysfs sources.
public struct FileTree: TextSource {
    /// The largest file read: sysfs values are a line, and a bound keeps a wrong path (a device
    /// node) from reading forever.
    public var limit: Int

    public init(limit: Int = 4096) {
        self.limit = limit
    }

    /// The corresponding C functions are `open` and `read`.
    /// - Throws: `SensorError.notReady` when the read fails with EIO, ETIMEDOUT or EAGAIN (the
    ///   driver could not reach its sensor this time), `.source` for anything else.
    public func read(_ path: String) throws(SensorError) -> [UInt8] {
        do {
            return try Files.read(path, limit: limit)
        } catch {
            guard let errno = error.errno else {
                throw .source(path: path, detail: "is larger than \(limit) bytes; is it the right file?")
            }
            switch errno {
            case .inputOutput, .timedOut, .wouldBlock:
                throw .notReady(sensor: path, detail: "the driver could not get a value from the sensor (\(errno)); the next read may work — if none does, check the wiring")
            case .noSuchFile:
                throw .source(path: path, detail: "does not exist; is the driver loaded (its dtoverlay in config.txt)?")
            case .permissionDenied:
                throw .source(path: path, detail: "permission denied; run as a user that may read it")
            default:
                throw .source(path: path, detail: "cannot read it: \(errno)")
            }
        }
    }

    /// An unreadable directory lists as empty, like a missing one: either way there is no device
    /// to be found in it. The corresponding C functions are `opendir`, `readdir` and `closedir`.
    public func list(_ directory: String) -> [String] {
        (try? Directory.entries(directory)) ?? []
    }
}
