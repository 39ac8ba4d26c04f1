import CPosix

/// Whole-file reads with a size bound: configuration, certificates and passphrases are small,
/// and a bound turns a wrong path (say, a device node) into an error instead of an endless read.
public enum Files {
    /// The permission bits of `path` (`0o600` for a private file). The corresponding C function
    /// is `stat`.
    /// - Throws: `FileError.unreadable` with the errno.
    public static func permissions(_ path: String) throws(FileError) -> UInt32 {
        let mode = cposix_file_mode(path)
        guard mode >= 0 else { throw .unreadable(path: path, Errno(rawValue: Int32(-mode))) }
        return UInt32(mode) & 0o7777
    }

    /// Whether a symbolic link at the path itself is followed.
    ///
    /// A file the user names (configuration, certificate, key, CA) may well be a link to a
    /// managed file (`/etc/kelvin/device-cert.pem` → a renewed certificate), so it is followed.
    /// The state directory's own files are Kelvin's and never links: one there is someone
    /// pointing Kelvin's writes or reads elsewhere, and it is refused.
    public enum SymbolicLinks: Sendable {
        case followed
        case refused
    }

    /// Opens `path` for reading only when it is a regular file: a FIFO or a device named by
    /// mistake (or malice) would otherwise block the open or the read forever. The open itself
    /// is non-blocking, so a FIFO with no writer cannot hold it.
    /// The corresponding C functions are `open` (O_RDONLY | O_NONBLOCK, O_NOFOLLOW when links
    /// are refused) and `fstat`.
    /// - Throws: `FileError.unreadable` with the errno, `.notARegularFile`, `.symbolicLink`.
    public static func openRegularFile(_ path: String, symbolicLinks: SymbolicLinks = .followed) throws(FileError) -> FileDescriptor {
        var mode: UInt32 = 0
        let result = cposix_open_inspected(path, symbolicLinks == .followed ? 1 : 0, &mode)
        guard result >= 0 else {
            let error = Errno(rawValue: -result)
            if error == .tooManySymbolicLinks && symbolicLinks == .refused { throw .symbolicLink(path: path) }
            throw .unreadable(path: path, error)
        }
        let descriptor = FileDescriptor(rawValue: result)
        let kind = FileKind(mode: mode)
        guard kind == .regular else {
            descriptor.close()
            throw .notARegularFile(path: path, kind)
        }
        return descriptor
    }

    /// Checks that `path` opens as a regular file, for a file another library reads by path
    /// (OpenSSL's certificate, key and CA files).
    /// - Throws: as ``openRegularFile(_:symbolicLinks:)``.
    public static func checkRegularFile(_ path: String) throws(FileError) {
        try openRegularFile(path).close()
    }

    /// Reads the file at `path`, which must be a regular file.
    /// - Throws: `FileError.unreadable` with the errno, `.tooLarge` past `limit` bytes,
    ///   `.notARegularFile`, `.symbolicLink` (when links are refused).
    public static func read(_ path: String, limit: Int, symbolicLinks: SymbolicLinks = .followed) throws(FileError) -> [UInt8] {
        let descriptor = try openRegularFile(path, symbolicLinks: symbolicLinks)
        defer { descriptor.close() }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let result = chunk.withUnsafeMutableBytes { buffer in
                cposix_read(descriptor.rawValue, buffer.baseAddress, buffer.count)
            }
            guard result >= 0 else { throw .unreadable(path: path, Errno(rawValue: Int32(-result))) }
            let count = Int(result)
            if count == 0 { return contents }
            guard contents.count + count <= limit else { throw .tooLarge(path: path, limit: limit) }
            contents.append(contentsOf: chunk[0..<count])
        }
    }

    /// Reads a small secret (a passphrase) into one buffer allocated up front, so that no
    /// intermediate copy of it is left in freed memory; wipe the result with ``wipe(_:)``
    /// after use. Same rules as ``read(_:limit:symbolicLinks:)``.
    /// - Throws: `FileError.unreadable`, `.tooLarge`, `.notARegularFile`.
    public static func readSecret(_ path: String, limit: Int) throws(FileError) -> [UInt8] {
        let descriptor = try openRegularFile(path)
        defer { descriptor.close() }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var count = 0
        while count <= limit {
            let result = bytes.withUnsafeMutableBytes { buffer in
                cposix_read(descriptor.rawValue, buffer.baseAddress! + count, buffer.count - count)
            }
            guard result >= 0 else {
                wipe(&bytes)
                throw .unreadable(path: path, Errno(rawValue: Int32(-result)))
            }
            if result == 0 { break }
            count += Int(result)
        }
        guard count <= limit else {
            wipe(&bytes)
            throw .tooLarge(path: path, limit: limit)
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// Overwrites `bytes` with zeros where they are, a store the optimiser may not drop.
    /// The corresponding C function is `explicit_bzero`.
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { cposix_wipe($0.baseAddress, $0.count) }
    }

    /// Replaces the file at `path` with `bytes` so that a power cut at any moment leaves either
    /// the old file or the new one, never a torn one.
    ///
    /// Writes `<path>.tmp` in the same directory (a rename is atomic only within one file
    /// system), gives it `permissions` exactly, fsyncs it (else the rename can reach the disk
    /// before the data, and a crash leaves an empty file), renames it over `path`, then fsyncs
    /// the directory so that the rename itself survives. When a step up to the rename fails, the
    /// temporary file is removed and `path` is as it was; when only the directory's fsync fails,
    /// the new file is in place but might not outlive a power cut, and this throws all the same.
    /// The corresponding C functions are `open`, `fchmod`, `write`, `fsync` and `rename`, then
    /// `open` (O_DIRECTORY) and `fsync` on the directory; `unlink` on failure.
    /// - Throws: `FileError.unwritable` naming `path`, with the errno of the step that failed.
    public static func replaceAtomically(_ path: String, with bytes: [UInt8], permissions: UInt32 = 0o600) throws(FileError) {
        let temporary = path + ".tmp"
        do throws(Errno) {
            let descriptor = try FileDescriptor.openForWriting(temporary, permissions: permissions)
            do throws(Errno) {
                // The mode given to open is reduced by the umask; the file should have exactly
                // what was asked.
                try descriptor.setPermissions(permissions)
                // withUnsafeBytes rethrows untyped errors, so the Errno comes out as a value.
                let failure: Errno? = bytes.withUnsafeBytes { buffer in
                    do throws(Errno) { try descriptor.writeAll(buffer) } catch { return error }
                    return nil
                }
                if let failure { throw failure }
                try descriptor.synchronize()
            } catch {
                descriptor.close()
                throw error
            }
            descriptor.close()
            _ = try Errno.check(cposix_rename(temporary, path))
        } catch {
            try? unlink(temporary)
            throw .unwritable(path: path, error)
        }
        do {
            let directory = try FileDescriptor.openDirectory(directoryName(of: path))
            defer { directory.close() }
            try directory.synchronize()
        } catch {
            // A file system that cannot fsync a directory says EINVAL; the rename is then as
            // durable as that file system makes it.
            guard error == .invalidArgument else { throw .unwritable(path: path, error) }
        }
    }

    /// Removes the file at `path`; a file that is not there is not an error.
    /// The corresponding C function is `unlink`.
    /// - Throws: `FileError.unwritable` naming `path`.
    public static func remove(_ path: String) throws(FileError) {
        do {
            try unlink(path)
        } catch {
            guard error == .noSuchFile else { throw .unwritable(path: path, error) }
        }
    }

    private static func unlink(_ path: String) throws(Errno) {
        _ = try Errno.check(cposix_unlink(path))
    }

    /// Creates the directory `path` with `permissions` (less the umask); a directory already
    /// there is fine, and keeps its own permissions.
    /// The corresponding C function is `mkdir`, then `open` (O_DIRECTORY) when something exists.
    /// - Throws: `FileError.uncreatable` with the errno, `.notADirectory` when a file is in the way.
    public static func createDirectory(_ path: String, permissions: UInt32 = 0o700) throws(FileError) {
        do {
            _ = try Errno.check(cposix_mkdir(path, permissions))
            return
        } catch {
            guard error == .fileExists else { throw .uncreatable(path: path, error) }
        }
        do {
            try FileDescriptor.openDirectory(path).close()
        } catch {
            throw error == .notADirectory ? .notADirectory(path: path) : .uncreatable(path: path, error)
        }
    }

    /// What holds `path`: everything before the last `/`, "/" for a file at the root, "." for a
    /// bare name.
    static func directoryName(of path: String) -> String {
        let bytes = Array(path.utf8)
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
    }
}

public enum FileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, Errno)
    case tooLarge(path: String, limit: Int)
    case unwritable(path: String, Errno)
    case uncreatable(path: String, Errno)
    case notADirectory(path: String)
    /// A FIFO, a device, a directory or a socket where a file belongs.
    case notARegularFile(path: String, FileKind)
    /// A symbolic link where Kelvin keeps its own files.
    case symbolicLink(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let error):
            return "cannot read \(path): \(error)"
        case .tooLarge(let path, let limit):
            return "\(path) is larger than \(limit) bytes; is it the right file?"
        case .unwritable(let path, let error):
            return "cannot write \(path): \(error); check that the directory exists and is writable by this user (--state-dir)"
        case .uncreatable(let path, let error):
            return "cannot create the directory \(path): \(error); check that its parent exists and is writable by this user (--state-dir)"
        case .notADirectory(let path):
            return "\(path) exists but is not a directory; move it away or choose another --state-dir"
        case .notARegularFile(let path, let kind):
            return "\(path) is not a regular file (\(kind)); point the setting at the file itself"
        case .symbolicLink(let path):
            return "\(path) is a symbolic link, which Kelvin does not follow in its state directory; remove the link (Kelvin writes a fresh file)"
        }
    }

    public var errno: Errno? {
        switch self {
        case .unreadable(_, let error), .unwritable(_, let error), .uncreatable(_, let error): return error
        case .tooLarge, .notADirectory, .notARegularFile, .symbolicLink: return nil
        }
    }

    /// True when the file (or a directory on its path) does not exist (ENOENT): for a saved
    /// state file, the first start rather than a fault.
    public var isMissing: Bool { errno == .noSuchFile }
}
