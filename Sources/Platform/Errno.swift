import CPosix

/// A POSIX error number, as the C shims return it (negated).
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let noSuchFile = Errno(rawValue: 2)       // ENOENT
    public static let wouldBlock = Errno(rawValue: 11)     // EAGAIN
    public static let permissionDenied = Errno(rawValue: 13) // EACCES
    public static let fileExists = Errno(rawValue: 17)      // EEXIST
    public static let notADirectory = Errno(rawValue: 20)  // ENOTDIR
    public static let invalidArgument = Errno(rawValue: 22) // EINVAL
    public static let timedOut = Errno(rawValue: 110)      // ETIMEDOUT
    public static let connectionRefused = Errno(rawValue: 111) // ECONNREFUSED
    public static let notPermitted = Errno(rawValue: 1)    // EPERM
    public static let inputOutput = Errno(rawValue: 5)     // EIO
    public static let busy = Errno(rawValue: 16)           // EBUSY
    public static let inProgress = Errno(rawValue: 115)    // EINPROGRESS
    /// What `open` with O_NOFOLLOW says of a symbolic link.
    public static let tooManySymbolicLinks = Errno(rawValue: 40) // ELOOP

    /// The C library's text for the error. The corresponding C function is `strerror`.
    public var description: String {
        guard let text = cposix_error_text(rawValue) else { return "error \(rawValue)" }
        return String(cString: text)
    }

    /// Turns a shim result (`>= 0` or `-errno`) into a value or a thrown `Errno`.
    @inline(__always)
    static func check<Result: SignedInteger>(_ result: Result) throws(Errno) -> Result {
        guard result >= 0 else { throw Errno(rawValue: Int32(truncatingIfNeeded: -result)) }
        return result
    }
}
