import Platform
import Wire

/// The rule for a file holding a secret (the device key, its passphrase), the same for
/// `kelvin run` and `kelvin check`: no access for others. Access for the group is fine — the
/// packaged layout is `0640 root:kelvin`, root owning the key and the service reading it
/// through its group.
enum SecretFile {
    /// Nil when `path` keeps its secret; else the line that says so and how to fix it.
    /// The corresponding C function is `stat` (following a link: the target is what is read).
    /// - Throws: `FileError.unreadable` when the file cannot be looked at.
    static func exposure(_ path: String, what: String) throws(FileError) -> String? {
        let mode = try Files.permissions(path)
        guard mode & 0o007 != 0 else { return nil }
        return "\(what) \(path) can be read by others (mode \(octal(mode))): chmod o-rwx \(path) (0600, or 0640 with the service's group, is fine)"
    }

    /// `0640`, as `ls` and `chmod` write a mode.
    static func octal(_ mode: UInt32) -> String {
        var writer = ByteWriter(capacity: 8)
        writer.append(UInt8(ascii: "0"))
        for shift in stride(from: 6, through: 0, by: -3) { writer.append(UInt8(ascii: "0") + UInt8((mode >> UInt32(shift)) & 7)) }
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
