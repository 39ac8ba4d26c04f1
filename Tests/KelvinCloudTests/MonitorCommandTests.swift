import ArgumentParser
import Foundation
import KelvinCloud
import Testing

@testable import kelvin_cloud

/// `kelvin-cloud monitor`: its options, the az-shaped line per message, and a stream from a
/// running emulator.
@Suite struct MonitorCommandTests {
    private func monitor(_ extra: [String]) throws -> MonitorOptions {
        try KelvinCloudCommandLine.parse(["monitor"] + extra, as: MonitorCommand.self).options()
    }

    @Test func commandLine_parsesTheMonitorOptions() throws {
        #expect(try monitor([]) == MonitorOptions())
        #expect(MonitorOptions().adminPort == 44302)
        #expect(MonitorOptions().since == .now)
        let all = try monitor(["--admin-port", "45000", "--device", "my-device", "--hub=north", "--since", "start"])
        #expect(all == MonitorOptions(adminPort: 45000, deviceID: "my-device", hubName: "north", since: .start))
        let timed = try monitor(["--since", "2026-05-01T10:15:00Z"])
        #expect(timed == MonitorOptions(since: .time(Date(timeIntervalSince1970: 1_777_630_500))))
        let fractional = try monitor(["--since", "2026-05-01T10:15:00.5Z"])
        #expect(fractional == MonitorOptions(since: .time(Date(timeIntervalSince1970: 1_777_630_500.5))))

        for (wrong, message) in [
            (
                ["--since", "yesterday"],
                "--since needs an ISO 8601 UTC time such as 2026-05-01T10:15:00Z, or start, not 'yesterday'"
            ),
            (
                ["--since", "2026-05-01T10:15:00"],
                "--since needs an ISO 8601 UTC time such as 2026-05-01T10:15:00Z, or start, not '2026-05-01T10:15:00'"
            ),
            (["--admin-port", "0"], "--admin-port needs a whole number in 1...65535, not '0'"),
            (["--device", ""], "--device needs a non-empty value"),
        ] {
            #expect(KelvinCloudCommandLine.refusal(["monitor"] + wrong) == message)
        }
        let serveOption = KelvinCloudCommandLine.refusal(["monitor", "--dir", "desk"])
        #expect(serveOption?.hasPrefix("Unknown option '--dir'") == true, "\(serveOption ?? "accepted")")
        let help = KelvinCloudCommand.helpMessage(for: MonitorCommand.self, columns: 200)
        for option in ["--admin-port <port>", "--device <id>", "--hub <name>", "--since <time|start>"] {
            #expect(help.contains(option), "\(option) in \(help)")
        }
        #expect(KelvinCloudCommand.helpMessage(columns: 200).contains("69 no emulator on the admin port"))
    }

    private func message(body: String?, bytes: [UInt8]) -> AdminMessage {
        AdminMessage(
            sequence: 7,
            hub: "hub",
            deviceId: "my-device",
            body: body,
            bodyBase64: Data(bytes).base64EncodedString(),
            systemProperties: [
                "iothub-messageid": "m-1", "iothub-contenttype": "application/json", "iothub-other": "x",
            ],
            properties: ["color": "red", "alarm": "false"],
            receivedAt: "2026-05-01T10:15:00.1234567Z"
        )
    }

    private func event(_ line: String) throws -> [String: Any] {
        #expect(!line.contains("\n"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return try #require(document["event"] as? [String: Any])
    }

    @Test func eventLine_hasTheShapeAzMonitorEventsPrints() throws {
        let json = #"{"temperature": 21.5, "unit": "C"}"#
        let line = MonitorEvent.line(for: message(body: json, bytes: Array(json.utf8)))
        #expect(
            line.hasPrefix(#"{"event":{"origin":"my-device","module":"","interface":"","component":"","payload":{"#))
        let event = try event(line)
        let payload = try #require(event["payload"] as? [String: Any])
        #expect(payload["temperature"] as? Double == 21.5)
        #expect(payload["unit"] as? String == "C")

        let annotations = try #require(event["annotations"] as? [String: Any])
        #expect(annotations["iothub-connection-device-id"] as? String == "my-device")
        #expect(annotations["iothub-enqueuedtime"] as? Int == 1_777_630_500_123)
        #expect(annotations["x-opt-enqueued-time"] as? Int == 1_777_630_500_123)
        #expect(annotations["x-opt-sequence-number"] as? Int == 7)
        #expect(annotations["iothub-message-source"] as? String == "Telemetry")

        let properties = try #require(event["properties"] as? [String: Any])
        #expect(properties["application"] as? [String: String] == ["color": "red", "alarm": "false"])
        #expect(
            properties["system"] as? [String: String]
                == ["message_id": "m-1", "content_type": "application/json", "iothub-other": "x"]
        )
        #expect(line.contains(#""application":{"alarm":"false","color":"red"}"#))
    }

    @Test func eventLine_keepsTextAsTextAndBinaryAsBase64() throws {
        let text = try event(
            MonitorEvent.line(for: message(body: "hello \"bench\"", bytes: Array("hello \"bench\"".utf8))))
        #expect(text["payload"] as? String == "hello \"bench\"")
        let binary = try event(MonitorEvent.line(for: message(body: nil, bytes: [0xFF, 0xFE])))
        #expect(binary["payload"] as? String == "//4=")
    }

    /// Lines printed by a monitor running on another thread.
    private final class Run: @unchecked Sendable {
        private let lock = NSLock()
        private var printed: [String] = []
        private var complaints: [String] = []
        private(set) var status: Int32?
        let stop = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)

        init(_ options: MonitorOptions) {
            Thread { [self] in
                let status = MonitorCommand.stream(
                    options,
                    until: stop,
                    started: { started.signal() },
                    print: { line in lock.withLock { printed.append(line) } },
                    complain: { line in lock.withLock { complaints.append(line) } }
                )
                lock.withLock { self.status = status }
                finished.signal()
            }.start()
        }

        var lines: [String] { lock.withLock { printed } }
        var errors: [String] { lock.withLock { complaints } }

        func payloads() throws -> [String] {
            try lines.map { line in
                let document = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let event = try #require(document["event"] as? [String: Any])
                return try #require(event["payload"] as? String)
            }
        }

        /// Stops it as Ctrl-C would and returns its exit status.
        func end() -> Int32? {
            stop.signal()
            guard finished.wait(timeout: .now() + 10) == .success else { return nil }
            return lock.withLock { status }
        }
    }

    @Test func monitor_streamsWhatTheHubsAcceptFilteredUntilStopped() throws {
        let cloud = try LocalCloud.provisioned { $0.adminPort = 0 }
        defer { cloud.stop() }
        let port = try #require(cloud.server.adminPort)
        #expect(try cloud.sendTelemetry("before", as: cloud.device).status == 204)

        let fromStart = Run(MonitorOptions(adminPort: port, deviceID: "my-device", since: .start))
        let fromNow = Run(MonitorOptions(adminPort: port))
        let otherDevice = Run(MonitorOptions(adminPort: port, deviceID: "nobody", since: .start))
        let otherHub = Run(MonitorOptions(adminPort: port, hubName: "elsewhere", since: .start))
        for run in [fromStart, fromNow, otherDevice, otherHub] {
            try #require(run.started.wait(timeout: .now() + 10) == .success)
        }
        for body in ["one", "two"] {
            #expect(try cloud.sendTelemetry(body, as: cloud.device).status == 204)
        }

        let deadline = Date().addingTimeInterval(10)
        while (fromStart.lines.count < 3 || fromNow.lines.count < 2) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        // A few more polls, to see that nothing is printed twice.
        Thread.sleep(forTimeInterval: 3 * MonitorCommand.pollInterval)
        for run in [fromStart, fromNow, otherDevice, otherHub] {
            #expect(run.end() == ExitStatus.success)
            #expect(run.errors.isEmpty)
        }
        #expect(try fromStart.payloads() == ["before", "one", "two"])
        #expect(try fromNow.payloads() == ["one", "two"])
        #expect(otherDevice.lines.isEmpty)
        #expect(otherHub.lines.isEmpty)
    }

    @Test func monitor_withoutAnEmulatorSaysSoAndExitsUnavailable() throws {
        let cloud = try LocalCloud { $0.adminPort = 0 }
        let port = try #require(cloud.server.adminPort)
        cloud.stop()

        let run = Run(MonitorOptions(adminPort: port))
        #expect(run.end() == ExitStatus.unavailable)
        #expect(
            run.errors == [
                "kelvin-cloud: no kelvin-cloud admin API on 127.0.0.1:\(port) — start `kelvin-cloud serve` or pass --admin-port"
            ]
        )
    }
}
