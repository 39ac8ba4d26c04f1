import CPosix
import Wire

/// The spool's bytes in a file, `<state directory>/spool` on the device: appended with
/// O_APPEND, read back by offset, replaced atomically for a compaction.
///
/// Holds the file open from ``open(_:)`` until ``close()``; the size is tracked rather than
/// asked for, since this is the only writer.
public struct FileSpoolStorage: SpoolStorage {
    public let location: String
    public private(set) var size: Int
    private var descriptor: FileDescriptor

    /// The file's permissions: readings are the owner's business.
    public static let permissions: UInt32 = 0o600

    /// Opens (creating) the spool file at `path`.
    /// The corresponding C functions are `open` (O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC |
    /// O_NOFOLLOW) and `fstat`.
    /// - Throws: `FileError.unwritable` naming `path`.
    public static func open(_ path: String) throws(FileError) -> FileSpoolStorage {
        do throws(Errno) {
            let descriptor = try openDescriptor(path)
            do throws(Errno) {
                let size = try Errno.check(cposix_file_size(descriptor.rawValue))
                return FileSpoolStorage(location: path, size: Int(size), descriptor: descriptor)
            } catch {
                descriptor.close()
                throw error
            }
        } catch {
            throw .unwritable(path: path, error)
        }
    }

    /// Where the spool of a state directory is: `<directory>/spool`.
    public static func path(inStateDirectory directory: String) -> String {
        directory + "/spool"
    }

    /// Opens the spool at `<directory>/spool`, creating the directory (0700) when it is missing.
    /// - Throws: `FileError.uncreatable`, `.notADirectory` or `.unwritable`.
    public static func open(inStateDirectory directory: String) throws(FileError) -> FileSpoolStorage {
        try Files.createDirectory(directory)
        return try open(path(inStateDirectory: directory))
    }

    private init(location: String, size: Int, descriptor: FileDescriptor) {
        self.location = location
        self.size = size
        self.descriptor = descriptor
    }

    private static func openDescriptor(_ path: String) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try Errno.check(cposix_open_append(path, permissions)))
    }

    /// The corresponding C function is `pread`.
    public mutating func read(from offset: Int, count: Int) throws(FileError) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { buffer in
            cposix_pread_all(descriptor.rawValue, buffer.baseAddress, buffer.count, Int64(offset))
        }
        guard result >= 0 else { throw .unreadable(path: location, Errno(rawValue: Int32(truncatingIfNeeded: -result))) }
        bytes.removeLast(count - Int(result))
        return bytes
    }

    /// The corresponding C function is `write`; after a short write (a full card), `ftruncate`
    /// takes the partial record away again so the next one does not follow garbage.
    public mutating func append(_ bytes: [UInt8]) throws(FileError) {
        let descriptor = self.descriptor
        let failure: Errno? = bytes.withUnsafeBytes { buffer in
            do throws(Errno) { try descriptor.writeAll(buffer) } catch { return error }
            return nil
        }
        if let failure {
            _ = cposix_ftruncate(descriptor.rawValue, Int64(size))
            throw .unwritable(path: location, failure)
        }
        size += bytes.count
    }

    /// The corresponding C function is `ftruncate`.
    public mutating func truncate(to size: Int) throws(FileError) {
        let result = cposix_ftruncate(descriptor.rawValue, Int64(size))
        guard result >= 0 else { throw .unwritable(path: location, Errno(rawValue: -result)) }
        self.size = size
    }

    /// ``Files/replaceAtomically(_:with:permissions:)``, then `open` again: the descriptor
    /// held until then is of the file the rename replaced.
    public mutating func replace(with bytes: [UInt8]) throws(FileError) {
        try Files.replaceAtomically(location, with: bytes, permissions: Self.permissions)
        descriptor.close()
        do {
            descriptor = try Self.openDescriptor(location)
        } catch {
            // Appends would otherwise go to a closed descriptor or, worse, a reused number.
            descriptor = FileDescriptor(rawValue: -1)
            throw .unwritable(path: location, error)
        }
        size = bytes.count
    }

    /// The corresponding C function is `fsync`.
    public mutating func synchronize() throws(FileError) {
        do { try descriptor.synchronize() } catch { throw .unwritable(path: location, error) }
    }

    /// The corresponding C function is `close`.
    public func close() {
        descriptor.close()
    }
}
