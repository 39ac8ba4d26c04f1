import Agent
import AzureIoT
import Testing
import Wire

@Suite struct SavedAssignmentTests {
    static let sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    static let key = AssignmentKey(
        dpsEndpoint: "global.azure-devices-provisioning.net",
        idScope: "0ne00111111",
        registrationID: "my-x509-device",
        certificateSHA256: sha256
    )
    static let saved = SavedAssignment(
        assignment: Assignment(hub: Endpoint(host: "MyExampleHub.azure-devices.net"), deviceID: "my-x509-device", substatus: "initialAssignment"),
        assignedAtSeconds: 1_712_345_678,
        key: key
    )

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// `body` followed by its correct checksum line.
    static func sealed(_ body: String) -> [UInt8] {
        let bytes = Array(body.utf8)
        let checksum = CRC32.checksum(bytes)
        let digits = ASCII.hexadecimalString([UInt8(checksum >> 24), UInt8(checksum >> 16 & 0xFF), UInt8(checksum >> 8 & 0xFF), UInt8(checksum & 0xFF)])
        return bytes + Array("crc32=\(digits)\n".utf8)
    }

    @Test func encodedFile_isReadableText() {
        let expectedBody = """
            kelvin-assignment 1
            hub=MyExampleHub.azure-devices.net
            device-id=my-x509-device
            substatus=initialAssignment
            assigned-at=1712345678
            dps=global.azure-devices-provisioning.net
            id-scope=0ne00111111
            registration-id=my-x509-device
            certificate-sha256=\(Self.sha256)

            """
        #expect(Self.saved.encoded() == Self.sealed(expectedBody))
    }

    @Test func roundTrip_givesTheSameAssignment() throws {
        #expect(try SavedAssignment.decode(Self.saved.encoded()) == Self.saved)
        var local = Self.saved
        local.assignment.hub = Endpoint(host: "localhost", port: 44301)
        local.key.dpsEndpoint = "localhost:44300"
        local.assignedAtSeconds = 4_102_444_800  // 2100: past a 32-bit Int
        #expect(try SavedAssignment.decode(local.encoded()) == local)
        #expect(Self.text(local.encoded()).contains("\nhub=localhost:44301\n"))
    }

    @Test func valuesWithPercentSpacesControlsAndUnicode_roundTrip() throws {
        var odd = Self.saved
        odd.assignment.deviceID = "100% device"
        odd.assignment.substatus = "re = 100%"
        odd.key.idScope = "scope é 温度 🌡"
        odd.key.registrationID = "a=b%41"
        let encoded = odd.encoded()
        #expect(try SavedAssignment.decode(encoded) == odd)
        let text = Self.text(encoded)
        #expect(text.contains("\ndevice-id=100%25 device\n"))
        #expect(text.contains("\nsubstatus=re = 100%25\n"))
        #expect(text.contains("\nid-scope=scope %c3%a9 %e6%b8%a9%e5%ba%a6 %f0%9f%8c%a1\n"))
        #expect(text.contains("\nregistration-id=a=b%2541\n"))
        #expect(encoded.allSatisfy { $0 == 0x0A || (0x20..<0x7F).contains($0) })
    }

    // Controls used to round-trip here; a value with one now makes the file damaged, since
    // each value reaches a log line or a request and DPS answers with one are refused too.
    @Test func valuesWithControlCharacters_areRefusedQuotedEscaped() {
        var odd = Self.saved
        odd.assignment.substatus = "line\nbreak\ttab\r="
        #expect(throws: SavedAssignmentError.badValue(field: "substatus", reason: #""line\nbreak\ttab\r=", with control characters"#)) {
            try SavedAssignment.decode(odd.encoded())
        }
        odd = Self.saved
        odd.assignment.deviceID = "dev\u{1B}[2J\u{85}"
        #expect(throws: SavedAssignmentError.badValue(field: "device-id", reason: #""dev\x1B[2J\x85", with control characters"#)) {
            try SavedAssignment.decode(odd.encoded())
        }
    }

    @Test(arguments: ["-1", "9223372036854775807", "-9223372036854775808", "253402300800", "99999999999999999999"])
    func assignedAtOutOfRange_isRefused(value: String) {
        let lines = Self.text(Self.saved.encoded()).split(separator: "\n").dropLast().map { $0.hasPrefix("assigned-at=") ? "assigned-at=\(value)" : String($0) }
        #expect(throws: SavedAssignmentError.badValue(field: "assigned-at", reason: "not a whole number of seconds from 0 to 253402300799")) {
            try SavedAssignment.decode(Self.sealed(lines.joined(separator: "\n") + "\n"))
        }
    }

    @Test func latestAssignedAt_isAcceptedAndItsMillisecondsDoNotTrap() throws {
        var late = Self.saved
        late.assignedAtSeconds = SavedAssignment.latestAssignedAtSeconds
        #expect(try SavedAssignment.decode(late.encoded()) == late)
        #expect(late.assignedAtMilliseconds == 253_402_300_799_000)
        late.assignedAtSeconds = .max
        #expect(late.assignedAtMilliseconds == .max)
        late.assignedAtSeconds = .min
        #expect(late.assignedAtMilliseconds == .min)
    }

    @Test(arguments: ["user@hub.example", "hub.example/path", "hub example", "hub.example:0", "hub.example:65536", "hub.example:-1",
                      "[::1]:443", "hub..example", String(repeating: "a", count: 64) + ".example", "hub.example:"])
    func hubThatIsNotAHostName_isRefused(hub: String) {
        let lines = Self.text(Self.saved.encoded()).split(separator: "\n").dropLast().map { $0.hasPrefix("hub=") ? "hub=\(hub)" : String($0) }
        #expect(throws: SavedAssignmentError.self) {
            try SavedAssignment.decode(Self.sealed(lines.joined(separator: "\n") + "\n"))
        }
    }

    @Test func matchingKey_hasNoMismatch() {
        #expect(Self.saved.mismatch(with: Self.key) == nil)
    }

    @Test func eachChangedSetting_isNamed() {
        var key = Self.key
        key.certificateSHA256 = String(repeating: "0", count: 64)
        #expect(Self.saved.mismatch(with: key) == .certificate(savedSHA256: Self.sha256))
        #expect(Self.saved.mismatch(with: key)?.description == "the saved assignment is for another certificate (SHA-256 9f86d081884c…), provisioning again")

        key = Self.key
        key.idScope = "0ne00222222"
        #expect(Self.saved.mismatch(with: key) == .idScope(saved: "0ne00111111"))

        key = Self.key
        key.dpsEndpoint = "localhost:44300"
        #expect(Self.saved.mismatch(with: key) == .dpsEndpoint(saved: "global.azure-devices-provisioning.net"))
        #expect(Self.saved.mismatch(with: key)?.description.contains("global.azure-devices-provisioning.net") == true)

        key = Self.key
        key.registrationID = "another-device"
        #expect(Self.saved.mismatch(with: key) == .registrationID(saved: "my-x509-device"))
    }

    @Test func newCertificateWithANewCN_isReportedAsTheCertificate() {
        let key = AssignmentKey(dpsEndpoint: Self.key.dpsEndpoint, idScope: Self.key.idScope, registrationID: "new-device", certificateSHA256: String(repeating: "1", count: 64))
        #expect(Self.saved.mismatch(with: key) == .certificate(savedSHA256: Self.sha256))
    }

    @Test func fileCutShortAtAnyByte_isTorn() {
        let bytes = Self.saved.encoded()
        for length in 0..<bytes.count {
            #expect(throws: SavedAssignmentError.truncated, "cut at \(length)") {
                try SavedAssignment.decode(Array(bytes[..<length]))
            }
        }
    }

    @Test func anyDamagedByte_isRejected() {
        let bytes = Self.saved.encoded()
        let checksumLineStart = bytes.dropLast().lastIndex(of: 0x0A)! + 1
        let headerEnd = bytes.firstIndex(of: 0x0A)!
        for offset in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[offset] ^= flip
                if offset > headerEnd && offset < checksumLineStart - 1 {
                    // Damage among the fields can look like any other value; the checksum tells.
                    #expect(Self.checksumMismatch(damaged), "byte \(offset) ^ \(flip)")
                } else {
                    #expect(throws: SavedAssignmentError.self, "byte \(offset) ^ \(flip)") {
                        try SavedAssignment.decode(damaged)
                    }
                }
            }
        }
    }

    static func checksumMismatch(_ bytes: [UInt8]) -> Bool {
        do {
            _ = try SavedAssignment.decode(bytes)
            return false
        } catch {
            if case .checksumMismatch = error { return true }
            return false
        }
    }

    @Test func otherVersion_isUnknown() {
        var lines = Self.text(Self.saved.encoded()).split(separator: "\n").dropLast().map(String.init)
        lines[0] = "kelvin-assignment 2"
        #expect(throws: SavedAssignmentError.unknownVersion("2")) {
            try SavedAssignment.decode(Self.sealed(lines.joined(separator: "\n") + "\n"))
        }
        #expect(throws: SavedAssignmentError.notAnAssignment) { try SavedAssignment.decode(Self.sealed("something else\n")) }
    }

    // Found by the saved-assignment fuzz target: the version was quoted raw into the log line.
    @Test func versionWithControlCharacters_isQuotedEscaped() {
        var lines = Self.text(Self.saved.encoded()).split(separator: "\n").dropLast().map(String.init)
        lines[0] = "kelvin-assignment 2\u{1B}[2J\u{0}"
        #expect(throws: SavedAssignmentError.unknownVersion("2\\x1B[2J\\x00")) {
            try SavedAssignment.decode(Self.sealed(lines.joined(separator: "\n") + "\n"))
        }
    }

    @Test func unknownKeyInsideTheChecksum_isIgnored() throws {
        let body = Self.text(Self.saved.encoded())
        var lines = body.split(separator: "\n").map(String.init)
        lines.removeLast()
        lines.insert("hub-fallback=other.azure-devices.net", at: 3)
        lines.append("note=written by a later Kelvin")
        #expect(try SavedAssignment.decode(Self.sealed(lines.joined(separator: "\n") + "\n")) == Self.saved)
    }

    @Test func missingDuplicateAndBadFields_areRejected() {
        let lines = Self.text(Self.saved.encoded()).split(separator: "\n").dropLast().map(String.init)
        func decode(_ lines: [String]) throws(SavedAssignmentError) -> SavedAssignment {
            try SavedAssignment.decode(Self.sealed(lines.joined(separator: "\n") + "\n"))
        }
        #expect(throws: SavedAssignmentError.missingField("certificate-sha256")) { try decode(lines.filter { !$0.hasPrefix("certificate-sha256=") }) }
        #expect(throws: SavedAssignmentError.missingField("hub")) { try decode(lines.filter { !$0.hasPrefix("hub=") }) }
        #expect(throws: SavedAssignmentError.duplicateField("device-id")) { try decode(lines + ["device-id=again"]) }
        #expect(throws: SavedAssignmentError.malformedLine(10)) { try decode(lines + ["no equals sign"]) }
        #expect(throws: SavedAssignmentError.badValue(field: "hub", reason: "\"https://hub\", not \(Endpoint.hostNameRule)")) {
            try decode(lines.map { $0.hasPrefix("hub=") ? "hub=https://hub" : $0 })
        }
        #expect(throws: SavedAssignmentError.badValue(field: "assigned-at", reason: "not a whole number of seconds from 0 to 253402300799")) {
            try decode(lines.map { $0.hasPrefix("assigned-at=") ? "assigned-at=soon" : $0 })
        }
        #expect(throws: SavedAssignmentError.badValue(field: "certificate-sha256", reason: "not 64 lower-case hexadecimal digits")) {
            try decode(lines.map { $0.hasPrefix("certificate-sha256=") ? "certificate-sha256=\(Self.sha256.uppercased())" : $0 })
        }
        #expect(throws: SavedAssignmentError.badValue(field: "device-id", reason: "a % not followed by two hexadecimal digits")) {
            try decode(lines.map { $0.hasPrefix("device-id=") ? "device-id=50%" : $0 })
        }
        #expect(throws: SavedAssignmentError.badValue(field: "device-id", reason: "not UTF-8 text")) {
            try decode(lines.map { $0.hasPrefix("device-id=") ? "device-id=%ff" : $0 })
        }
    }

    @Test func oversizedFile_isRefusedBeforeReading() {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 4097)
        #expect(throws: SavedAssignmentError.tooLarge(bytes: 4097)) { try SavedAssignment.decode(big) }
    }

    @Test func everyError_saysTheFileIsIgnoredAndProvisioningRunsAgain() {
        let errors: [SavedAssignmentError] = [
            .tooLarge(bytes: 5000), .truncated, .notAnAssignment, .unknownVersion("2"),
            .checksumMismatch(stored: 0x0102_0304, computed: 0xA0B0_C0D0), .malformedLine(3),
            .duplicateField("hub"), .missingField("hub"), .badValue(field: "hub", reason: "empty"),
        ]
        for error in errors {
            #expect(error.description.hasPrefix("the saved assignment"))
            #expect(error.description.hasSuffix("; ignoring it and provisioning again through DPS"))
            #expect(!error.description.contains("\n"))
        }
        #expect(SavedAssignmentError.checksumMismatch(stored: 0x0102_0304, computed: 0xA0B0_C0D0).description.contains("CRC-32 a0b0c0d0, the file says 01020304"))
    }
}
