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

    /// Opens (creating) the spool file at `path`, which must be a regular file and not a
    /// symbolic link: a link would send the readings wherever it points, and a FIFO would block
    /// the first read.
    /// The corresponding C functions are `open` (O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC |
    /// O_NOFOLLOW) and `fstat`.
    /// - Throws: `FileError.unwritable` naming `path`, `.symbolicLink`, `.notARegularFile`.
    public static func open(_ path: String) throws(FileError) -> FileSpoolStorage {
        let descriptor: FileDescriptor
        do {
            descriptor = try openDescriptor(path)
        } catch {
            throw error == .tooManySymbolicLinks ? .symbolicLink(path: path) : .unwritable(path: path, error)
        }
        let mode = cposix_descriptor_mode(descriptor.rawValue)
        let kind = FileKind(mode: UInt32(truncatingIfNeeded: max(mode, 0)))
        guard mode >= 0, kind == .regular else {
            descriptor.close()
            if mode < 0 { throw .unwritable(path: path, Errno(rawValue: Int32(truncatingIfNeeded: -mode))) }
            throw .notARegularFile(path: path, kind)
        }
        let size = cposix_file_size(descriptor.rawValue)
        guard size >= 0 else {
            descriptor.close()
            throw .unwritable(path: path, Errno(rawValue: Int32(truncatingIfNeeded: -size)))
        }
        return FileSpoolStorage(location: path, size: Int(size), descriptor: descriptor)
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

    /// A second name for the file as it is, `<spool>.damaged-<UTC time>` (`-2`, `-3`… when
    /// that exists): a hard link rather than a copy or a rename, so it costs no writes and the
    /// spool stays where it is until the rewrite replaces it.
    /// The corresponding C function is `link`.
    /// - Throws: `FileError.unwritable` naming the copy.
    public mutating func keepCopy() throws(FileError) -> String {
        let stem = Self.damagedCopyName(location, wallClockSeconds: cposix_wall_clock_seconds())
        var name = stem
        var attempt = 1
        while true {
            let result = cposix_link(location, name)
            if result >= 0 { return name }
            let error = Errno(rawValue: -result)
            guard error == .fileExists, attempt < 100 else { throw .unwritable(path: name, error) }
            attempt += 1
            name = stem + "-" + ASCII.decimalString(attempt)
        }
    }

    /// `<path>.damaged-YYYYMMDDTHHMMSSZ`: sortable, and without the colons that trip up
    /// `scp` and Windows shares when a person copies it off the card.
    public static func damagedCopyName(_ path: String, wallClockSeconds: Int64) -> String {
        let (milliseconds, overflow) = wallClockSeconds.multipliedReportingOverflow(by: 1000)
        let stamp = Array(UTCTimestamp.text(milliseconds: overflow ? (wallClockSeconds < 0 ? 0 : .max) : milliseconds).utf8)
        var writer = ByteWriter(capacity: path.utf8.count + 32)
        writer.append(path)
        writer.append(".damaged-")
        // 2026-12-05T10:15:00.000Z → 20261205T101500Z
        for byte in stamp.prefix(19) where byte != UInt8(ascii: "-") && byte != UInt8(ascii: ":") { writer.append(byte) }
        writer.append(UInt8(ascii: "Z"))
        return String(decoding: writer.bytes, as: UTF8.self)
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
