import Agent
import AzureIoT
@testable import DeviceRuntime
import Platform
import Testing
import Wire

/// What a person sees of a run's trouble: systemd's status line says what is wrong until a
/// reading gets through again.
@Suite struct RunReporterTests {
    static let hub = Endpoint(host: "hub.example")

    @Test func statusLine_namesTheTroubleUntilTheNextDelivery() {
        var reporter = RunReporter(count: 0, firstSequence: 1, messageIDPrefix: "dev-run", counterFile: nil, clock: MonotonicClock())
        let reading = Reading(temperature: Millidegrees(21_000), temperatureFractionDigits: 2, takenAtMilliseconds: 1, sequence: 1)
        let queuedChangesIt = reporter.report(.queued(reading), delivered: [], nowMilliseconds: 0)
        #expect(!queuedChangesIt)
        let deliveredChangesIt = reporter.report(.delivered(readings: 1, hub: Self.hub, batched: false), delivered: [reading], nowMilliseconds: 1)
        #expect(deliveredChangesIt)
        #expect(reporter.summary(queued: 0) == "sent 1, queued 0, hub hub.example")

        let refused = AttemptFailure.connection("hub.example:443 refused the connection")
        let troubleChangesIt = reporter.report(.retrying(refused, afterMilliseconds: 2_000, pending: 3), delivered: [], nowMilliseconds: 2)
        #expect(troubleChangesIt)
        #expect(reporter.summary(queued: 3) == "sent 1, queued 3, hub hub.example; not delivering: hub.example:443 refused the connection")
        #expect(reporter.ledPattern == .error)

        let recoveryChangesIt = reporter.report(.delivered(readings: 3, hub: Self.hub, batched: true), delivered: [reading, reading, reading], nowMilliseconds: 3)
        #expect(recoveryChangesIt)
        #expect(reporter.summary(queued: 0) == "sent 4, queued 0, hub hub.example")
    }
}
