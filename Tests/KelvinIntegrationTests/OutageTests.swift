import Agent
import AzureIoT
import Foundation
import HTTP1
import HTTPSClient
import KelvinCloud
import Platform
import Testing
import Wire

/// A hub outage covering more than a thousand readings, over real TLS to the emulator, with the
/// loop on a virtual clock (no real sleeping) and the readings in a real spool file.
@Suite(.serialized) struct OutageTests {
    /// Time that moves only when slept on; the emulator's own clock is not involved, since the
    /// outage is switched on and off by reading number.
    final class VirtualClock: AgentClock {
        private(set) var nowMilliseconds: Int64 = 0
        var wallClockSeconds: Int64 { wallClockMilliseconds / 1000 }
        var wallClockMilliseconds: Int64 { 1_800_000_000_000 + nowMilliseconds }
        func sleep(milliseconds: Int64) { nowMilliseconds += max(milliseconds, 0) }
    }

    /// Numbered readings that take the hub down at `downAt` and bring it back at `upAt`.
    struct OutageSource: ReadingSource {
        let server: CloudServer
        let downAt: Int
        let upAt: Int

        mutating func read(sequence: Int, takenAtMilliseconds: Int64) -> Reading? {
            if sequence == downAt { server.startOutage(seconds: 86_400) }
            if sequence == upAt { server.clearFaults() }
            return Reading(temperature: Millidegrees(Int32(15_000 + sequence % 1_000)), temperatureFractionDigits: 3,
                           takenAtMilliseconds: takenAtMilliseconds, sequence: sequence)
        }
    }

    @Test func outageOfMoreThanAThousandReadings_everyReadingArrivesOnceAndInOrder() throws {
        let fixture = try CloudFixture(assigningPolls: 0)
        let context = try fixture.context()
        var client = HTTPSClient(context: context)
        let clock = VirtualClock()
        let provisioning = try fixture.provisioningSettings(context)
        let key = AssignmentKeeper(
            settings: provisioning, certificateSHA256: ASCII.hexadecimalString(context.certificateSHA256), store: MemoryAssignmentStore(),
            timeoutMilliseconds: 30_000
        ).key

        let spoolPath = fixture.directory + "/spool"
        let settings = Spool<FileSpoolStorage>.Settings(maximumBytes: 256 * 1024)
        let (spool, _) = try Spool.open(try FileSpoolStorage.open(spoolPath), settings: settings, newMessageIDPrefix: "outage")
        var journalLines: [String] = []
        let journal = SpoolJournal(spool) { journalLines.append($0) }
        var machine = TelemetryStateMachine(
            settings: .init(count: 1_200, intervalMilliseconds: 1_000, provisioning: provisioning, assignmentKey: key, provisioningTimeoutMilliseconds: 30_000),
            saved: nil, outbox: journal.outbox(capacity: 4_096), messageIDPrefix: "outage", random: SplitMix64(seed: 11)
        )
        var source = OutageSource(server: fixture.server, downAt: 20, upAt: 1_100)
        var batchedReadings = 0
        var largestSpool = 0
        var events = 0
        let (outcome, failure) = TelemetryLoop.run(&machine, source: &source, transport: &client, clock: clock) { event, _ in
            events += 1
            if case .delivered(let readings, _, batched: true) = event { batchedReadings += readings }
            largestSpool = max(largestSpool, journal.spool.liveBytes)
        }
        client.closeAll()
        #expect(failure == nil)
        #expect(outcome == .allDelivered)
        #expect(journalLines.isEmpty)
        #expect(fixture.server.waitForTelemetry(count: 1_200, timeoutSeconds: 30))
        let received = fixture.server.receivedTelemetry
        #expect(received.map(\.messageID) == (1...1_200).map { "outage-\($0)" })
        #expect(fixture.server.duplicateMessageCount == 0)
        // The backlog drains in batches: every reading queued during the outage goes in one.
        #expect(batchedReadings >= 1_080)
        #expect(received.filter(\.isBatched).count == batchedReadings)
        #expect(largestSpool <= settings.maximumBytes)
        #expect(journal.spool.pending.isEmpty)
        print("outage: \(batchedReadings) of 1,200 readings arrived in batches after an outage of 1,080 readings; spool peak \(largestSpool) of \(settings.maximumBytes) bytes; \(events) events")
    }
}
