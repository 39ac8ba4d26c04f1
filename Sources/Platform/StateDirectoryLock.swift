import CPosix
import Wire

/// `<state directory>/lock`, held with `flock` for the life of a run: two agents on one state
/// directory would interleave appends to one spool and send each other's readings twice.
///
/// The lock belongs to the open file, so the kernel lets go of it when the process ends however
/// it ends — no stale lock after a crash or a power cut. The file holds the holder's process ID,
/// for the line that tells a second instance who is in the way.
public struct StateDirectoryLock {
    public let path: String
    private let descriptor: FileDescriptor

    /// Where the lock of a state directory is: `<directory>/lock`.
    public static func path(inStateDirectory directory: String) -> String {
        directory + "/lock"
    }

    /// Takes the lock of `directory` (creating the directory, 0700, and the file) without
    /// waiting, and writes this process's ID into it.
    /// The corresponding C functions are `open` (O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK),
    /// `fstat`, `flock` (LOCK_EX | LOCK_NB), `ftruncate` and `write`.
    /// - Throws: `StateDirectoryLockError.held` when another open of the file holds it,
    ///   `.unusable` when the directory or the file cannot be used.
    public static func acquire(stateDirectory directory: String) throws(StateDirectoryLockError) -> StateDirectoryLock {
        do { try Files.createDirectory(directory) } catch { throw .unusable(error) }
        let path = path(inStateDirectory: directory)
        let opened = cposix_open_lock(path)
        guard opened >= 0 else {
            let error = Errno(rawValue: -opened)
            throw .unusable(error == .tooManySymbolicLinks ? .symbolicLink(path: path) : .unwritable(path: path, error))
        }
        let descriptor = FileDescriptor(rawValue: opened)
        let mode = cposix_descriptor_mode(opened)
        let kind = FileKind(mode: UInt32(truncatingIfNeeded: max(mode, 0)))
        guard mode >= 0, kind == .regular else {
            descriptor.close()
            throw .unusable(mode < 0 ? .unreadable(path: path, Errno(rawValue: Int32(truncatingIfNeeded: -mode))) : .notARegularFile(path: path, kind))
        }
        let locked = cposix_lock_exclusive(opened)
        guard locked >= 0 else {
            let holder = holderProcessID(descriptor)
            descriptor.close()
            let error = Errno(rawValue: -locked)
            guard error == .wouldBlock else { throw .unusable(.unwritable(path: path, error)) }
            throw .held(directory: directory, processID: holder)
        }
        // The ID is for people; a lock whose ID cannot be written still locks.
        if cposix_ftruncate(opened, 0) >= 0 {
            var writer = ByteWriter(capacity: 24)
            writer.append(ASCII.decimalString(Int(truncatingIfNeeded: Process.id)))
            writer.append(UInt8(ascii: "\n"))
            _ = writer.bytes.withUnsafeBytes { cposix_write_all(opened, $0.baseAddress, $0.count) }
        }
        return StateDirectoryLock(path: path, descriptor: descriptor)
    }

    /// Lets go of the lock; the file stays, for the next run. The corresponding C function is
    /// `close`.
    public func release() {
        descriptor.close()
    }

    /// The process ID the holder wrote, when the file holds one.
    private static func holderProcessID(_ descriptor: FileDescriptor) -> Int? {
        var bytes = [UInt8](repeating: 0, count: 24)
        let count = bytes.withUnsafeMutableBytes { cposix_pread_all(descriptor.rawValue, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        var digits = bytes[..<Int(count)]
        while let last = digits.last, last == UInt8(ascii: "\n") { digits.removeLast() }
        guard let id = ASCII.parseDecimal(digits), id > 0 else { return nil }
        return id
    }
}

/// Why the state directory's lock was not taken.
public enum StateDirectoryLockError: Error, Equatable, CustomStringConvertible {
    /// Another process (or another open in this one) holds it.
    case held(directory: String, processID: Int?)
    case unusable(FileError)

    public var description: String {
        switch self {
        case .held(let directory, let processID):
            let holder = processID.map { "process \($0)" } ?? "another process"
            return "another kelvin (\(holder)) is running with the state directory \(directory); stop it first, or give this one its own --state-dir"
        case .unusable(let error):
            return "\(error); the state directory's lock file must be a regular file this user can write"
        }
    }
}
