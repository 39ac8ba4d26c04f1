import Foundation
import Platform
import Testing

/// Paths that name something other than a file: each must give one line, never a hang.
@Suite struct UntrustedFileTests {
    let directory = "/tmp/kelvin-files-\(UUID().uuidString)"

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func removeDirectory() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test func fifoWithNoWriter_isRefusedAtOnceNotWaitedOn() throws {
        defer { removeDirectory() }
        let fifo = directory + "/kelvin.conf"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: FileError.notARegularFile(path: fifo, .fifo)) { _ = try Files.read(fifo, limit: 4096) }
        #expect(throws: FileError.notARegularFile(path: fifo, .fifo)) { try Files.checkRegularFile(fifo) }
        #expect(FileError.notARegularFile(path: fifo, .fifo).description == "\(fifo) is not a regular file (a FIFO); point the setting at the file itself")
    }

    @Test func deviceAndDirectory_areRefusedNamingWhatTheyAre() {
        defer { removeDirectory() }
        #expect(throws: FileError.notARegularFile(path: "/dev/zero", .characterDevice)) { _ = try Files.read("/dev/zero", limit: 4096) }
        #expect(throws: FileError.notARegularFile(path: directory, .directory)) { _ = try Files.read(directory, limit: 4096) }
    }

    @Test func symbolicLink_isFollowedForTheUsersFilesAndRefusedForStateFiles() throws {
        defer { removeDirectory() }
        let target = directory + "/device-cert.pem"
        let link = directory + "/link.pem"
        try Data("pem".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(try Files.read(link, limit: 64) == Array("pem".utf8))
        try Files.checkRegularFile(link)
        #expect(throws: FileError.symbolicLink(path: link)) { _ = try Files.read(link, limit: 64, symbolicLinks: .refused) }
        // A link to a FIFO is refused for what it points at.
        let fifo = directory + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory + "/to-fifo", withDestinationPath: fifo)
        #expect(throws: FileError.notARegularFile(path: directory + "/to-fifo", .fifo)) { _ = try Files.read(directory + "/to-fifo", limit: 64) }
    }
}

/// Two runs on one state directory: the second must be told, not allowed to share the spool.
@Suite struct StateDirectoryLockTests {
    let directory = "/tmp/kelvin-lock-\(UUID().uuidString)"

    func removeDirectory() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test func secondLockOnOneDirectory_failsNamingTheDirectoryAndTheHolder() throws {
        defer { removeDirectory() }
        let first = try StateDirectoryLock.acquire(stateDirectory: directory)
        let holder = Int(ProcessInfo.processInfo.processIdentifier)
        #expect(try String(contentsOfFile: directory + "/lock", encoding: .utf8) == "\(holder)\n")
        #expect(throws: StateDirectoryLockError.held(directory: directory, processID: holder)) {
            _ = try StateDirectoryLock.acquire(stateDirectory: directory)
        }
        #expect(StateDirectoryLockError.held(directory: directory, processID: holder).description
            == "another kelvin (process \(holder)) is running with the state directory \(directory); stop it first, or give this one its own --state-dir")
        first.release()
        // Once released (or once the holder has exited), the next run takes it.
        let second = try StateDirectoryLock.acquire(stateDirectory: directory)
        second.release()
    }

    @Test func symbolicLinkAtTheLock_isRefused() throws {
        defer { removeDirectory() }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory + "/lock", withDestinationPath: directory + "/elsewhere")
        #expect(throws: StateDirectoryLockError.unusable(.symbolicLink(path: directory + "/lock"))) {
            _ = try StateDirectoryLock.acquire(stateDirectory: directory)
        }
    }
}
