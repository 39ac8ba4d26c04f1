import Agent
import AzureIoT
import Foundation
import Platform
import Testing
import Wire

/// The spool on a real file: each test in a directory of its own under /tmp that it removes.
@Suite struct FileSpoolTests {
    let directory = "/tmp/kelvin-spool-\(UUID().uuidString)"
    var path: String { directory + "/spool" }
    let settings = Spool<FileSpoolStorage>.Settings(maximumBytes: 4096, syncPolicy: .always, compactionThresholdBytes: 100, sequenceReservation: 100)

    func removeDirectory() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func reading(_ sequence: Int) -> Reading {
        Reading(temperature: Millidegrees(-3_250), temperatureFractionDigits: 2, humidity: RelativeHumidity(millipercent: 61_200),
                pressure: Pressure(pascals: 100_870), takenAtMilliseconds: 1_712_345_678_000 + Int64(sequence), sequence: sequence)
    }

    func fileBytes() throws -> [UInt8] {
        try Files.read(path, limit: 1 << 20)
    }

    @Test func appendThenReopen_returnsThePendingReadingsFromAnOwnerOnlyFile() throws {
        defer { removeDirectory() }
        var (spool, _) = try Spool.open(try FileSpoolStorage.open(inStateDirectory: directory), settings: settings, newMessageIDPrefix: "dev-1")
        for sequence in 1...3 { try spool.append(reading(sequence)) }
        try spool.acknowledge(1)
        spool.storage.close()

        let (reopened, recovery) = try Spool.open(try FileSpoolStorage.open(path), settings: settings, newMessageIDPrefix: "dev-2")
        defer { reopened.storage.close() }
        #expect(recovery == SpoolRecovery(pendingReadings: 2, tornBytes: 0, droppedReadings: 0, continuedMessageIDPrefix: true))
        #expect(reopened.pending == [reading(2), reading(3)][...])
        #expect(reopened.messageIDPrefix == "dev-1")
        #expect(reopened.nextSequence == 101)
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(permissions?.intValue == 0o600)
    }

    @Test func tornTail_isTruncatedOnReopen() throws {
        defer { removeDirectory() }
        var (spool, _) = try Spool.open(try FileSpoolStorage.open(inStateDirectory: directory), settings: settings, newMessageIDPrefix: "dev-1")
        try spool.append(reading(1))
        try spool.append(reading(2))
        spool.storage.close()
        let whole = try fileBytes()
        // A power cut in the middle of the second reading's write: 38 bytes, 17 of them written.
        let torn = Array(whole.prefix(whole.count - 21))
        try Files.replaceAtomically(path, with: torn)

        let (reopened, recovery) = try Spool.open(try FileSpoolStorage.open(path), settings: settings, newMessageIDPrefix: "dev-2")
        #expect(recovery == SpoolRecovery(pendingReadings: 1, tornBytes: 17, droppedReadings: 0, continuedMessageIDPrefix: true))
        #expect(reopened.pending == [reading(1)][...])
        #expect(try fileBytes() == Array(whole.prefix(whole.count - 38)))

        // Appends continue right after the intact part.
        var again = reopened
        try again.append(reading(101))
        again.storage.close()
        let (third, _) = try Spool.open(try FileSpoolStorage.open(path), settings: settings, newMessageIDPrefix: "dev-3")
        defer { third.storage.close() }
        #expect(third.pending == [reading(1), reading(101)][...])
    }

    @Test func compaction_rewritesTheFileAndAppendsGoOnToTheNewOne() throws {
        defer { removeDirectory() }
        var (spool, _) = try Spool.open(try FileSpoolStorage.open(inStateDirectory: directory), settings: settings, newMessageIDPrefix: "dev-1")
        for sequence in 1...5 { try spool.append(reading(sequence)) }
        // 20 + 20 + 5 × 38 = 230 bytes; 4 acknowledged readings make 152 + 20 + 15 dead of 245.
        try spool.acknowledge(4)
        #expect(try fileBytes() == SpoolRecord.run(firstUnreservedSequence: 101, messageIDPrefix: "dev-1").encoded()
            + SpoolRecord.reading(reading(5)).encoded())
        try spool.append(reading(6))
        spool.storage.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["spool"])

        let (reopened, _) = try Spool.open(try FileSpoolStorage.open(path), settings: settings, newMessageIDPrefix: "dev-2")
        defer { reopened.storage.close() }
        #expect(reopened.pending == [reading(5), reading(6)][...])
    }

    @Test func unwritableStateDirectory_namesThePathAndTheFix() throws {
        defer { removeDirectory() }
        try Files.createDirectory(directory)
        try Files.replaceAtomically(directory + "/state", with: [])
        #expect(throws: FileError.notADirectory(path: directory + "/state")) {
            _ = try FileSpoolStorage.open(inStateDirectory: directory + "/state")
        }
    }

    @Test func damageInTheMiddle_keepsTheDamagedFileAsideAndRewritesTheSpool() throws {
        defer { removeDirectory() }
        var (spool, _) = try Spool.open(try FileSpoolStorage.open(inStateDirectory: directory), settings: settings, newMessageIDPrefix: "dev-1")
        for sequence in 1...3 { try spool.append(reading(sequence)) }
        spool.storage.close()
        var damaged = try fileBytes()
        damaged[damaged.count - 2 * 38 + 20] ^= 0x08
        try Files.replaceAtomically(path, with: damaged)

        let (reopened, recovery) = try Spool.open(try FileSpoolStorage.open(path), settings: settings, newMessageIDPrefix: "dev-2")
        defer { reopened.storage.close() }
        #expect(recovery.damagedBytes == 38)
        #expect(reopened.pending == [reading(1), reading(3)][...])
        let copies = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("spool.damaged-") }
        #expect(copies.count == 1)
        #expect(recovery.damagedCopy == copies.first.map { directory + "/" + $0 })
        // The copy is the file as it was found; the spool is its intact records alone.
        #expect(try Files.read(directory + "/" + (copies.first ?? ""), limit: 1 << 20) == damaged)
        #expect(SpoolContents(decoding: try fileBytes()).damagedBytes == 0)
        #expect(copies.first?.count == "spool.damaged-20261207T180000Z".count)
    }

    @Test func damagedCopyName_isTheUTCTimeWithoutColons() {
        #expect(FileSpoolStorage.damagedCopyName("/var/lib/kelvin/spool", wallClockSeconds: 1_800_000_000) == "/var/lib/kelvin/spool.damaged-20270115T080000Z")
        #expect(FileSpoolStorage.damagedCopyName("s", wallClockSeconds: .max) == "s.damaged-99991231T235959Z")
        #expect(FileSpoolStorage.damagedCopyName("s", wallClockSeconds: .min) == "s.damaged-19700101T000000Z")
    }

    @Test func symbolicLinkAtTheSpool_isRefusedNotFollowed() throws {
        defer { removeDirectory() }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: directory + "/elsewhere")
        #expect(throws: FileError.symbolicLink(path: path)) { _ = try FileSpoolStorage.open(path) }
        #expect(!FileManager.default.fileExists(atPath: directory + "/elsewhere"))
    }

    @Test func fifoAtTheSpool_isRefusedWithoutBlocking() throws {
        defer { removeDirectory() }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(mkfifo(path, 0o600) == 0)
        #expect(throws: FileError.notARegularFile(path: path, .fifo)) { _ = try FileSpoolStorage.open(path) }
    }
}
