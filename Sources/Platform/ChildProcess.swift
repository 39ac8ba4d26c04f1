import CPosix

/// Another program run to its end, for the one-off tools a command hands work to.
public enum ChildProcess {
    /// How a child ended.
    public enum Outcome: Equatable, Sendable {
        /// Its exit status; 128 + n when signal n ended it.
        case exited(Int32)
        /// It could not be started (`.noSuchFile`: not installed, or not in PATH).
        case notStarted(Errno)
    }

    /// Runs `arguments[0]`, looked up in PATH, with this process's environment, and waits for it.
    /// `quiet` sends its standard output to /dev/null; its standard error stays ours.
    public static func run(_ arguments: [String], quiet: Bool = false) -> Outcome {
        var pointers: [UnsafePointer<CChar>?] = []
        for argument in arguments {
            let bytes = Array(argument.utf8)
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (index, byte) in bytes.enumerated() { copy[index] = CChar(bitPattern: byte) }
            copy[bytes.count] = 0
            pointers.append(UnsafePointer(copy))
        }
        pointers.append(nil)
        defer {
            for pointer in pointers { pointer.map { UnsafeMutablePointer(mutating: $0).deallocate() } }
        }
        let status = pointers.withUnsafeBufferPointer { cposix_run($0.baseAddress, quiet ? 1 : 0) }
        return status < 0 ? .notStarted(Errno(rawValue: -status)) : .exited(status)
    }
}
