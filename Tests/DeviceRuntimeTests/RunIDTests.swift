import AzureIoT
import Testing
import Wire

@testable import DeviceRuntime

/// Message IDs within the hub's 128 characters for every valid registration ID
/// (docs/azure-facts.md §4).
@Suite struct RunIDTests {
    static func prefix(_ registrationID: String, seed: UInt64 = 1) throws -> String {
        var random = SplitMix64(seed: seed)
        return RunID.messageIDPrefix(for: try RegistrationID(commonName: registrationID), random: &random)
    }

    /// The message ID the hub would see for `sequence`, as the channel writes it.
    static func messageID(prefix: String, sequence: Int) -> String {
        let assignment = Assignment(hub: Endpoint(host: "hub.example"), deviceID: "d", substatus: "")
        let reading = Reading(temperature: Millidegrees(0), temperatureFractionDigits: 0, takenAtMilliseconds: 0, sequence: sequence)
        return TelemetryChannel(assignment: assignment, messageIDPrefix: prefix).message(reading).messageID
    }

    @Test func longestRegistrationID_withTheLargestSequence_fitsIn128() throws {
        let longest = String(repeating: "a", count: RegistrationID.maximumLength)
        let prefix = try Self.prefix(longest)
        let id = Self.messageID(prefix: prefix, sequence: Int.max)
        #expect(id.utf8.count <= 128)
        #expect(Self.messageID(prefix: prefix, sequence: Int(Int64.max)).utf8.count == 128)
        // Only bytes a registration ID may hold, so the spool takes the prefix back.
        #expect(prefix.utf8.allSatisfy(RegistrationID.isAllowed))
    }

    @Test(arguments: [1, 64, 98, 99, 100, 127, 128])
    func everyLength_fitsWithTheLargestSequence(length: Int) throws {
        let id = String(repeating: "7", count: length)
        let messageID = Self.messageID(prefix: try Self.prefix(id), sequence: Int.max)
        #expect(messageID.utf8.count <= 128, "\(length): \(messageID)")
    }

    @Test func idsThatFit_keepThePrefixEarlierVersionsGave() throws {
        #expect(try Self.prefix("dev") == "dev-" + Self.runHex(seed: 1))
        let ninetyNine = String(repeating: "b", count: 99)
        #expect(try Self.prefix(ninetyNine) == ninetyNine + "-" + Self.runHex(seed: 1))
    }

    @Test func longIDsSharingTheirHead_stillDiffer() throws {
        let head = String(repeating: "c", count: 120)
        let one = try Self.prefix(head + "-one1")
        let two = try Self.prefix(head + "-two2")
        #expect(!ASCII.equals(one, two))
        #expect(one.utf8.count == RunID.maximumRegistrationPartLength + 1 + RunID.runIDLength)
        #expect(one.utf8.starts(with: String(repeating: "c", count: 90).utf8))
    }

    @Test func theSameIDTwice_differsOnlyByTheRun() throws {
        let id = String(repeating: "d", count: 128)
        let first = try Self.prefix(id, seed: 1)
        let second = try Self.prefix(id, seed: 2)
        #expect(first.utf8.dropLast(RunID.runIDLength).elementsEqual(second.utf8.dropLast(RunID.runIDLength)))
        #expect(!ASCII.equals(first, second))
    }

    /// The run ID seed 1 gives, as `messageIDPrefix` writes it.
    static func runHex(seed: UInt64) -> String {
        var random = SplitMix64(seed: seed)
        let bits = random.next()
        var writer = ByteWriter(capacity: 8)
        for shift in stride(from: 56, through: 32, by: -8) {
            ASCII.appendHexadecimal(UInt8(truncatingIfNeeded: bits >> UInt64(shift)), to: &writer)
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
