@testable import DeviceRuntime
import Foundation
import Platform
import Testing

/// The one rule `kelvin run` enforces and `kelvin check` reports for the key and passphrase.
@Suite struct SecretFileTests {
    let directory = "/tmp/kelvin-secret-\(UUID().uuidString)"

    func file(mode: Int) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/key-\(String(mode, radix: 8)).pem"
        try Data("secret".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test(arguments: [0o600, 0o400, 0o640, 0o660, 0o440])
    func ownerAndGroupOnly_keepTheSecret(mode: Int) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try SecretFile.exposure(try file(mode: mode), what: "key") == nil)
    }

    @Test(arguments: [0o644, 0o604, 0o602, 0o601, 0o666])
    func anyAccessForOthers_isRefusedWithTheFix(mode: Int) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try file(mode: mode)
        let octal = "0" + String(mode, radix: 8)
        #expect(try SecretFile.exposure(path, what: "key")
            == "key \(path) can be read by others (mode \(octal)): chmod o-rwx \(path) (0600, or 0640 with the service's group, is fine)")
    }

    @Test func missingFile_isAnErrorNotAVerdict() {
        #expect(throws: FileError.self) { _ = try SecretFile.exposure("/nonexistent/kelvin-key.pem", what: "key") }
    }
}

/// The passphrase leaves no copy behind in the environment or in a grown buffer.
@Suite(.serialized) struct SecretReadingTests {
    @Test func environmentSecret_isTakenOnceAndGoneFromTheEnvironment() {
        let name = "KELVIN_TEST_SECRET_\(UUID().uuidString.prefix(8))"
        setenv(name, "correct horse", 1)
        let pointer = getenv(name)
        #expect(Environment.take(name, limit: 64) == Array("correct horse".utf8))
        #expect(getenv(name) == nil)
        // The value's memory itself was overwritten, not just unlinked from environ.
        if let pointer { #expect(pointer[0] == 0) }
        #expect(Environment.take(name, limit: 64) == nil)
    }

    @Test func environmentSecretLongerThanTheLimit_isRefusedAndRemovedAllTheSame() {
        let name = "KELVIN_TEST_SECRET_\(UUID().uuidString.prefix(8))"
        setenv(name, String(repeating: "x", count: 100), 1)
        #expect(Environment.take(name, limit: 64) == nil)
        #expect(getenv(name) == nil)
    }

    @Test func secretFile_isReadWhole_andWipedInPlace() throws {
        let path = "/tmp/kelvin-passphrase-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("passphrase\n".utf8).write(to: URL(fileURLWithPath: path))
        var bytes = try Files.readSecret(path, limit: 4096)
        #expect(bytes == Array("passphrase\n".utf8))
        Files.wipe(&bytes)
        #expect(bytes == [UInt8](repeating: 0, count: 11))
        #expect(throws: FileError.tooLarge(path: path, limit: 4)) { _ = try Files.readSecret(path, limit: 4) }
    }
}
