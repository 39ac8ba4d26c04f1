import Foundation

/// The POSIX permission bits of the file at `path`, such as `0o600`.
func filePermissions(_ path: String) throws -> Int? {
    try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
}
