import Foundation
import Platform
import Testing

/// `Files.replaceAtomically` and `Files.createDirectory` on real files, each test in a directory
/// of its own under /tmp that it removes again.
@Suite struct AtomicFileTests {
    /// Created by `Files.createDirectory`, so that creating it is tested too.
    let directory: String

    init() throws {
        directory = "/tmp/kelvin-files-\(UUID().uuidString)"
        try Files.createDirectory(directory)
    }

    func removeDirectory() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    func permissions(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func writeThenReplace_readsBackTheNewBytesWithOwnerOnlyPermissions() throws {
        defer { removeDirectory() }
        let path = directory + "/assignment"
        try Files.replaceAtomically(path, with: Array("first\n".utf8))
        #expect(try Files.read(path, limit: 4096) == Array("first\n".utf8))
        try Files.replaceAtomically(path, with: Array("second, longer\n".utf8))
        #expect(try Files.read(path, limit: 4096) == Array("second, longer\n".utf8))
        try Files.replaceAtomically(path, with: [])
        #expect(try Files.read(path, limit: 4096) == [])
        #expect(try permissions(path) == 0o600)
        #expect(try entries() == ["assignment"])
    }

    @Test func permissions_areExactlyAsAskedWhateverTheUmask() throws {
        defer { removeDirectory() }
        let path = directory + "/shared"
        try Files.replaceAtomically(path, with: [1, 2, 3], permissions: 0o644)
        #expect(try permissions(path) == 0o644)
        try Files.replaceAtomically(path, with: [4], permissions: 0o600)
        #expect(try permissions(path) == 0o600)
    }

    @Test func staleTemporaryFile_isReplacedAndGone() throws {
        defer { removeDirectory() }
        let path = directory + "/assignment"
        #expect(FileManager.default.createFile(atPath: path + ".tmp", contents: Data("left by a power cut".utf8), attributes: [.posixPermissions: 0o666]))
        try Files.replaceAtomically(path, with: Array("new\n".utf8))
        #expect(try Files.read(path, limit: 4096) == Array("new\n".utf8))
        #expect(try permissions(path) == 0o600)
        #expect(try entries() == ["assignment"])
    }

    @Test func replacingInAMissingDirectory_failsNamingThePath() throws {
        defer { removeDirectory() }
        let path = directory + "/no-such-directory/assignment"
        let error = #expect(throws: FileError.self) { try Files.replaceAtomically(path, with: [1]) }
        #expect(error == .unwritable(path: path, .noSuchFile))
        #expect(error?.isMissing == true)
        #expect(error?.description == "cannot write \(path): No such file or directory; check that the directory exists and is writable by this user (--state-dir)")
        #expect(try entries() == [])
    }

    @Test func replacingWhereADirectoryStands_failsAndLeavesNoTemporaryFile() throws {
        defer { removeDirectory() }
        let path = directory + "/occupied"
        try Files.createDirectory(path)
        #expect(throws: FileError.unwritable(path: path, Errno(rawValue: 21))) {  // EISDIR
            try Files.replaceAtomically(path, with: [1])
        }
        #expect(try entries() == ["occupied"])
    }

    @Test func createDirectory_isIdempotentAndRefusesAFileInTheWay() throws {
        defer { removeDirectory() }
        let nested = directory + "/state"
        try Files.createDirectory(nested)
        try Files.createDirectory(nested)
        try Files.createDirectory(directory)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(try permissions(directory) & 0o077 == 0)

        let file = directory + "/file"
        try Files.replaceAtomically(file, with: [1])
        #expect(throws: FileError.notADirectory(path: file)) { try Files.createDirectory(file) }
        #expect(throws: FileError.uncreatable(path: directory + "/a/b", .noSuchFile)) { try Files.createDirectory(directory + "/a/b") }
    }

    @Test func readingAMissingFile_isMissing() throws {
        defer { removeDirectory() }
        let error = #expect(throws: FileError.self) { try Files.read(directory + "/absent", limit: 10) }
        #expect(error?.isMissing == true)
        let path = directory + "/present"
        try Files.replaceAtomically(path, with: [1, 2])
        try Files.remove(path)
        try Files.remove(path)
        #expect(try entries() == [])
        #expect(!FileError.tooLarge(path: path, limit: 1).isMissing)
    }
}
