import Agent
import AzureIoT
import DeviceRuntime
import HTTP1
import Testing

/// The real event loop over a fake network, sensor and clock: no wait starves another.
@Suite struct AgentLoopTests {
    static let provisioning = ProvisioningSettings(
        endpoint: Endpoint(host: "dps.example"), idScope: "0ne1", registrationID: try! RegistrationID(commonName: "dev")
    )
    static let key = AssignmentKey(dpsEndpoint: "dps.example", idScope: "0ne1", registrationID: "dev", certificateSHA256: String(repeating: "ab", count: 32))
    static let saved = SavedAssignment(
        assignment: Assignment(hub: Endpoint(host: "hub.example"), deviceID: "dev", substatus: "initialAssignment"), assignedAtSeconds: 1_700_000_000, key: key
    )

    struct Device {
        let time = VirtualTime()
        let network: FakeNetwork
        let events = ScriptedEvents()
        var loop: AgentLoop<TimedSensor, FakeWaiter, RecordingShell>
        let sensor: TimedSensor

        init(script: [FakeExchange], interval: Int64, count: Int = 0, watchdogMilliseconds: Int64? = nil, alertLine: Bool = false) {
            network = FakeNetwork(script: script)
            sensor = TimedSensor(time: time)
            let settings = TelemetryStateMachine<SplitMix64>.Settings(
                count: count, intervalMilliseconds: interval, provisioning: AgentLoopTests.provisioning, assignmentKey: AgentLoopTests.key,
                retryPolicy: RetryPolicy(floorMilliseconds: 5_000, capMilliseconds: 5_000, maximumAttempts: 100)
            )
            var shell = RecordingShell(time: time, events: events)
            shell.hasAlertLine = alertLine
            loop = AgentLoop(
                machine: TelemetryStateMachine(
                    settings: settings, saved: AgentLoopTests.saved, outbox: Outbox(capacity: 100), messageIDPrefix: "dev-run", random: SplitMix64(seed: 1)
                ),
                source: sensor, transport: FakeTransport(network: network, time: time),
                waiter: FakeWaiter(time: time, network: network, events: events), shell: shell,
                watchdog: watchdogMilliseconds.map { WatchdogSchedule(timeoutMilliseconds: $0) }
            )
        }

        mutating func run(stoppingAt stop: Int64) -> TelemetryOutcome {
            events.terminationAt = stop
            return loop.run().outcome
        }
    }

    @Test func stalledReadFor15Seconds_neverDelaysTheWatchdogPingPastHalfItsPeriod() {
        var device = Device(
            script: [.stall(deadlineAfterMilliseconds: 15_000, failure: FakeFailure(description: "hub.example did not answer in time")),
                     .answer(HTTPResponse(status: 204), afterMilliseconds: 50)],
            interval: 60_000, watchdogMilliseconds: 10_000
        )
        #expect(device.run(stoppingAt: 40_000) == .stopped(pending: 0))
        let pings = device.loop.shell.pings
        #expect(pings.first == 0)
        #expect(pings.count >= 8)
        for (earlier, later) in zip(pings, pings.dropFirst()) {
            #expect(later - earlier <= 5_000, "ping gap \(later - earlier) ms from \(earlier) ms")
        }
        #expect((pings.last ?? 0) >= 35_000)
        // The stalled read failed at its deadline, and the retry went after the backoff.
        #expect(device.network.resumedAt.contains(15_000))
        #expect(device.loop.shell.reports.contains { $0.at == 15_000 && $0.line.hasPrefix("retrying in 5000: hub.example did not answer in time") })
        #expect(device.loop.shell.reports.contains { $0.at == 20_050 && $0.line == "delivered 1" })
        #expect(device.loop.shell.notifications.first?.text == "READY=1")
        #expect(device.loop.shell.notifications.last?.text == "STOPPING=1")
    }

    @Test func stalledNameLookup_endsAtItsDeadline() {
        var device = Device(
            script: [.stall(deadlineAfterMilliseconds: 3_000, failure: FakeFailure(description: "cannot resolve hub.example within 3 s")),
                     .answer(HTTPResponse(status: 204), afterMilliseconds: 20)],
            interval: 60_000
        )
        #expect(device.run(stoppingAt: 10_000) == .stopped(pending: 0))
        #expect(device.network.resumedAt.first == 3_000)
        #expect(device.loop.shell.reports.contains { $0.at == 3_000 && $0.line.hasPrefix("retrying in 5000: cannot resolve hub.example") })
        #expect(device.network.begun == ["hub.example/devices/dev/messages/events", "hub.example/devices/dev/messages/events"])
        #expect(device.loop.shell.reports.contains { $0.at == 8_020 && $0.line == "delivered 1" })
    }

    @Test func readingDueDuringAHandshake_isTakenOnTime() {
        // The first send takes 2.5 s to get through (a slow handshake); readings are due every second.
        var device = Device(
            script: [.answer(HTTPResponse(status: 204), afterMilliseconds: 2_500), .answer(HTTPResponse(status: 204), afterMilliseconds: 10),
                     .answer(HTTPResponse(status: 204), afterMilliseconds: 10)],
            interval: 1_000
        )
        _ = device.run(stoppingAt: 3_500)
        #expect(device.sensor.log.readAt == [0, 1_000, 2_000, 3_000])
        #expect(device.loop.shell.reports.contains { $0.at == 2_500 && $0.line == "delivered 1" })
        // Readings 2 and 3 waited behind the handshake and went together.
        #expect(device.loop.shell.reports.contains { $0.at == 2_510 && $0.line == "delivered 2" })
    }

    @Test func terminationDuringAStalledSend_cancelsIt_andKeepsTheReading() {
        var device = Device(
            script: [.stall(deadlineAfterMilliseconds: 15_000, failure: FakeFailure(description: "no answer"))], interval: 60_000
        )
        #expect(device.run(stoppingAt: 4_000) == .stopped(pending: 1))
        #expect(device.network.cancelled == 1)
        #expect(device.loop.machine.outbox.count == 1)
    }

    @Test func alertEdge_wakesTheLoop_forAnExtraReading() {
        var device = Device(
            script: [.answer(HTTPResponse(status: 204), afterMilliseconds: 10), .answer(HTTPResponse(status: 204), afterMilliseconds: 10)],
            interval: 60_000, alertLine: true
        )
        device.events.alertsAt = [7_000]
        _ = device.run(stoppingAt: 9_000)
        #expect(device.sensor.log.readAt == [0, 7_000])
    }
}
