import CPosix

/// An open file or socket. Closing is explicit, as ownership of descriptors is.
public struct FileDescriptor: Equatable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)

    /// The corresponding C function is `open` with O_RDONLY.
    public static func openForReading(_ path: String) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try Errno.check(cposix_open_read(path)))
    }

    /// Opens `path` for writing from the start, creating it with `permissions` (less the umask)
    /// and emptying it if it exists; a symbolic link at `path` is refused (ELOOP) rather than
    /// followed. The corresponding C function is `open` with O_WRONLY | O_CREAT | O_TRUNC |
    /// O_CLOEXEC | O_NOFOLLOW.
    public static func openForWriting(_ path: String, permissions: UInt32) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try Errno.check(cposix_open_write(path, permissions)))
    }

    /// Opens a directory, to make a rename in it durable with ``synchronize()``.
    /// The corresponding C function is `open` with O_RDONLY | O_DIRECTORY.
    public static func openDirectory(_ path: String) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try Errno.check(cposix_open_directory(path)))
    }

    /// Sets the permission bits exactly, whatever the umask. The corresponding C function is `fchmod`.
    public func setPermissions(_ permissions: UInt32) throws(Errno) {
        _ = try Errno.check(cposix_fchmod(rawValue, permissions))
    }

    /// Waits until what was written is on the storage device. The corresponding C function is `fsync`.
    public func synchronize() throws(Errno) {
        _ = try Errno.check(cposix_fsync(rawValue))
    }

    /// The corresponding C function is `read`. Returns 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        Int(try Errno.check(cposix_read(rawValue, buffer.baseAddress, buffer.count)))
    }

    /// Writes what the descriptor takes now, returning the count; a non-blocking socket that
    /// takes nothing throws `Errno.wouldBlock`. The corresponding C function is `write`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        Int(try Errno.check(cposix_write(rawValue, bytes.baseAddress, bytes.count)))
    }

    /// Writes every byte. The corresponding C function is `write`.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(Errno) {
        _ = try Errno.check(cposix_write_all(rawValue, bytes.baseAddress, bytes.count))
    }

    /// The corresponding C function is `close`.
    public func close() {
        _ = cposix_close(rawValue)
    }

    /// Waits until the descriptor can be read (or written) without blocking, at most
    /// `timeoutMilliseconds`. Returns false on timeout. The corresponding C function is `poll`.
    public func waitUntilReady(forWriting: Bool, timeoutMilliseconds: Int64) throws(Errno) -> Bool {
        let bounded = Int32(clamping: max(timeoutMilliseconds, 0))
        return try Errno.check(cposix_wait(rawValue, forWriting ? 1 : 0, bounded)) == 1
    }
}
