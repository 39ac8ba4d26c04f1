import CPosix

/// Whole-file reads with a size bound: configuration, certificates and passphrases are small,
/// and a bound turns a wrong path (say, a device node) into an error instead of an endless read.
public enum Files {
    /// Reads the file at `path`.
    /// - Throws: `FileError.unreadable` with the errno, `.tooLarge` past `limit` bytes.
    public static func read(_ path: String, limit: Int) throws(FileError) -> [UInt8] {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.openForReading(path)
        } catch {
            throw .unreadable(path: path, error)
        }
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
}

public enum FileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, Errno)
    case tooLarge(path: String, limit: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let error): return "cannot read \(path): \(error)"
        case .tooLarge(let path, let limit): return "\(path) is larger than \(limit) bytes; is it the right file?"
        }
    }

    public var errno: Errno? {
        if case .unreadable(_, let error) = self { return error }
        return nil
    }
}
