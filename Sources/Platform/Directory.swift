import CPosix

/// Directory listings, for finding devices in sysfs and `/dev`.
public enum Directory {
    /// The names in the directory at `path`, without `.` and `..`, in the order the file system
    /// gives them. The corresponding C functions are `opendir`, `readdir` and `closedir`.
    /// - Throws: the `Errno` of `opendir` (`.noSuchFile` when there is no such directory) or `readdir`.
    public static func entries(_ path: String) throws(Errno) -> [String] {
        var stream: OpaquePointer?
        _ = try Errno.check(cposix_directory_open(path, &stream))
        defer { cposix_directory_close(stream) }
        var names: [String] = []
        // NAME_MAX is 255; one more for the NUL.
        var name = [CChar](repeating: 0, count: 256)
        while true {
            let length = try Errno.check(name.withUnsafeMutableBufferPointer { buffer in
                cposix_directory_next(stream, buffer.baseAddress, buffer.count)
            })
            if length == 0 { return names }
            names.append(name.withUnsafeBufferPointer { buffer in
                String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(length)), as: UTF8.self)
            })
        }
    }

    /// Removes the empty directory at `path`. The corresponding C function is `rmdir`.
    /// - Throws: its `Errno` (`.noSuchFile` when it is not there).
    public static func remove(_ path: String) throws(Errno) {
        _ = try Errno.check(cposix_directory_remove(path))
    }
}
