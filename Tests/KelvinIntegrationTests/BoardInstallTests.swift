import Foundation
import Testing

/// `board/install.sh` into a staging tree (DESTDIR), run twice: the same files both times, and
/// an edited configuration kept.
@Suite struct BoardInstallTests {
    static let board = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("board")

    @Test func installTwiceIntoDestdir_installsEveryFile_andKeepsAnEditedConfiguration() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-install-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        // A copy of board/ with a configuration of its own, so the test does not depend on the
        // example's text.
        let board = work.appendingPathComponent("board")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.board, to: board)
        try? FileManager.default.removeItem(at: board.appendingPathComponent("kelvin.conf"))
        try "interval = 10s\n".write(to: board.appendingPathComponent("kelvin.conf"), atomically: true, encoding: .utf8)
        let binary = work.appendingPathComponent("kelvin")
        try "not really kelvin\n".write(to: binary, atomically: true, encoding: .utf8)
        let root = work.appendingPathComponent("root")

        let first = try run(board.appendingPathComponent("install.sh").path, binary.path, destdir: root.path)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("wrote the example configuration"))
        let expected: [String: Int] = [
            "usr/local/bin/kelvin": 0o755,
            "etc/systemd/system/kelvin.service": 0o644,
            "etc/sysusers.d/kelvin.conf": 0o644,
            "etc/udev/rules.d/99-kelvin.rules": 0o644,
            "etc/kelvin": 0o750,
            "etc/kelvin/kelvin.conf": 0o640,
        ]
        #expect(try modes(under: root) == expected)

        let configuration = root.appendingPathComponent("etc/kelvin/kelvin.conf")
        try "interval = 30s\n".write(to: configuration, atomically: false, encoding: .utf8)
        let second = try run(board.appendingPathComponent("install.sh").path, binary.path, destdir: root.path)
        #expect(second.status == 0, "\(second.output)")
        #expect(!second.output.contains("wrote the example configuration"))
        #expect(try modes(under: root) == expected)
        #expect(try String(contentsOf: configuration, encoding: .utf8) == "interval = 30s\n")
        let unit = try String(contentsOf: root.appendingPathComponent("etc/systemd/system/kelvin.service"), encoding: .utf8)
        #expect(unit == (try String(contentsOf: Self.board.appendingPathComponent("systemd/kelvin.service"), encoding: .utf8)))
    }

    @Test func otherPrefix_movesTheBinary_andTheUnitFollows() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-install-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try run(Self.board.appendingPathComponent("install.sh").path, "/bin/true", destdir: root.path, prefix: "/usr")
        #expect(result.status == 0, "\(result.output)")
        let unit = try String(contentsOf: root.appendingPathComponent("etc/systemd/system/kelvin.service"), encoding: .utf8)
        #expect(unit.contains("\nExecStart=/usr/bin/kelvin run\n"))
        #expect(FileManager.default.isExecutableFile(atPath: root.appendingPathComponent("usr/bin/kelvin").path))
    }

    @Test func missingBinary_isRefusedWithExit66() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kelvin-install-\(UUID().uuidString)")
        let result = try run(Self.board.appendingPathComponent("install.sh").path, "/nonexistent/kelvin", destdir: root.path)
        #expect(result.status == 66)
        #expect(result.output == "install.sh: /nonexistent/kelvin: no such file; build it first (cross/build.sh aarch64)\n")
        #expect(!FileManager.default.fileExists(atPath: root.path))
    }

    /// Every file and directory the installer made (not the directories above them), with its
    /// permission bits.
    private func modes(under root: URL) throws -> [String: Int] {
        var found: [String: Int] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: root.path))
        for case let path as String in enumerator {
            let attributes = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(path).path)
            let isDirectory = attributes[.type] as? FileAttributeType == .typeDirectory
            if isDirectory && path != "etc/kelvin" { continue }
            found[path] = (attributes[.posixPermissions] as? NSNumber)?.intValue
        }
        return found
    }

    private func run(_ script: String, _ binary: String, destdir: String, prefix: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = [binary]
        var environment = ProcessInfo.processInfo.environment
        environment["DESTDIR"] = destdir
        environment["PREFIX"] = prefix
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
