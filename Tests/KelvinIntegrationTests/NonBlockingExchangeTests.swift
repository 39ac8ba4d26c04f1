import AzureIoT
import Foundation
import HTTP1
import HTTPSClient
import KelvinCloud
import Platform
import Testing

/// `HTTPSClient` driven as the device runtime's event loop drives it: `begin`, then `resume`
/// whenever the one descriptor it names is ready or its deadline passed. Every call must return
/// at once, whatever the server does; the waits are the loop's.
@Suite struct NonBlockingExchangeTests {
    /// Deadlines far enough apart that a wait's deadline tells the step: the connect timeout
    /// bounds resolution, connect and handshake; the io timeout the request and response.
    static let timeouts = HTTPSConnection.Timeouts(connectMilliseconds: 8_000, ioMilliseconds: 2_000)

    struct Run {
        var outcome: ExchangeProgress<HTTPSError>
        /// Each wait, with the milliseconds it left before its deadline when it was handed out.
        var waits: [(wait: ExchangeWait, leftMilliseconds: Int64)] = []
        var longestCallMilliseconds: Int64 = 0
        var totalMilliseconds: Int64 = 0

        var response: HTTPResponse? {
            if case .completed(let response) = outcome { return response }
            return nil
        }

        var failure: HTTPSError? {
            if case .failed(let error) = outcome { return error }
            return nil
        }
    }

    /// Sends `request` with begin/resume and a `Poller`, timing every call.
    static func drive(_ client: HTTPSClient, host: String, port: UInt16, _ request: HTTPRequest) -> Run {
        let clock = MonotonicClock()
        let start = clock.nowMilliseconds
        var callStart = clock.nowMilliseconds
        var run = Run(outcome: client.begin(host: host, port: port, request, nowMilliseconds: callStart))
        var poller = Poller()
        while true {
            let now = clock.nowMilliseconds
            run.longestCallMilliseconds = max(run.longestCallMilliseconds, now - callStart)
            guard case .waiting(let wait) = run.outcome else { break }
            run.waits.append((wait, wait.deadlineMilliseconds - now))
            poller.removeAll()
            poller.watch(wait.descriptor, forWriting: wait.forWriting)
            _ = try? poller.wait(timeoutMilliseconds: max(0, wait.deadlineMilliseconds - clock.nowMilliseconds))
            callStart = clock.nowMilliseconds
            run.outcome = client.resume(nowMilliseconds: callStart)
        }
        run.totalMilliseconds = clock.nowMilliseconds - start
        return run
    }

    static func isSocket(_ descriptor: Int32) -> Bool {
        let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")
        return target?.hasPrefix("socket:") ?? false
    }

    @Test func fullRequest_drivenByBeginAndResume_waitsInsteadOfBlocking() throws {
        let fixture = try CloudFixture()
        // The server's first flight held back a fifth of a second: a handshake that did not wait
        // for it would have blocked.
        let relay = try DelayingRelay(upstreamPort: UInt16(fixture.server.dpsPort), holdingBackMicroseconds: 200_000)
        let client = HTTPSClient(context: try fixture.context(), timeouts: Self.timeouts)
        let register = ProvisioningRequests.register(try fixture.provisioningSettings)
        let run = Self.drive(client, host: "localhost", port: relay.port, register.request)
        #expect(run.response?.status == 202, "\(String(describing: run.failure))")
        // Waiting to read on the socket with the connect deadline: only the handshake does that.
        let handshakeWaits = run.waits.filter { !$0.wait.forWriting && $0.leftMilliseconds > Self.timeouts.ioMilliseconds && Self.isSocket($0.wait.descriptor) }
        #expect(handshakeWaits.count >= 1, "the handshake never waited: \(run.waits.map(\.wait))")
        #expect(client.connectionsOpened == 1)
        #expect(run.totalMilliseconds >= 200)
    }

    @Test func secondRequest_reusesTheKeptAliveConnection() throws {
        let fixture = try CloudFixture()
        let client = HTTPSClient(context: try fixture.context(), timeouts: Self.timeouts)
        let register = ProvisioningRequests.register(try fixture.provisioningSettings)
        let port = UInt16(fixture.server.dpsPort)
        #expect(Self.drive(client, host: "localhost", port: port, register.request).response?.status == 202)
        let second = Self.drive(client, host: "localhost", port: port, register.request)
        #expect(second.response?.status == 202)
        #expect(client.connectionsOpened == 1)
        #expect(second.waits.allSatisfy { $0.leftMilliseconds <= Self.timeouts.ioMilliseconds }, "the second request opened a connection")
    }

    @Test func serverThatNeverAnswers_isReadingTimedOut_andNoCallBlocks() throws {
        let fixture = try CloudFixture()
        fixture.server.addFaults(FaultScript(route: .register, steps: [.stall]))
        let timeouts = HTTPSConnection.Timeouts(connectMilliseconds: 5_000, ioMilliseconds: 400)
        let client = HTTPSClient(context: try fixture.context(), timeouts: timeouts)
        let register = ProvisioningRequests.register(try fixture.provisioningSettings)
        let run = Self.drive(client, host: "localhost", port: UInt16(fixture.server.dpsPort), register.request)
        #expect(run.failure == .timedOut(host: "localhost", .reading))
        #expect(run.totalMilliseconds >= 400)
        #expect(run.longestCallMilliseconds < 100, "a call took \(run.longestCallMilliseconds) ms")
    }

    @Test func listenerThatNeverSpeaksTLS_isHandshakeTimedOut_andNoCallBlocks() throws {
        let fixture = try CloudFixture()
        let silent = try LocalListener.silent()
        let timeouts = HTTPSConnection.Timeouts(connectMilliseconds: 400, ioMilliseconds: 5_000)
        let client = HTTPSClient(context: try fixture.context(), timeouts: timeouts)
        let run = Self.drive(client, host: "127.0.0.1", port: silent.port, HTTPRequest(method: .get, target: "/"))
        #expect(run.failure == .tls(.handshakeTimedOut(host: "127.0.0.1")))
        #expect(run.totalMilliseconds >= 400)
        #expect(run.longestCallMilliseconds < 100, "a call took \(run.longestCallMilliseconds) ms")
        #expect(client.connectionsOpened == 0)
    }

    @Test func cancelMidExchange_closesTheConnection_andTheNextRequestResumesTheSession() throws {
        let fixture = try CloudFixture()
        let client = HTTPSClient(context: try fixture.context(), timeouts: Self.timeouts)
        let register = ProvisioningRequests.register(try fixture.provisioningSettings)
        let port = UInt16(fixture.server.dpsPort)
        #expect(Self.drive(client, host: "localhost", port: port, register.request).response?.status == 202)
        fixture.server.addFaults(FaultScript(route: .register, steps: [.stall]))
        let clock = MonotonicClock()
        var progress = client.begin(host: "localhost", port: port, register.request, nowMilliseconds: clock.nowMilliseconds)
        var poller = Poller()
        // Until the request is out and the client waits to read the answer that never comes.
        for _ in 0..<20 {
            guard case .waiting(let wait) = progress else { break }
            poller.removeAll()
            poller.watch(wait.descriptor, forWriting: wait.forWriting)
            _ = try? poller.wait(timeoutMilliseconds: 50)
            progress = client.resume(nowMilliseconds: clock.nowMilliseconds)
        }
        guard case .waiting = progress else {
            Issue.record("the stalled exchange ended: \(progress)")
            return
        }
        client.cancel()
        let next = Self.drive(client, host: "localhost", port: port, register.request)
        #expect(next.response?.status == 202)
        #expect(client.connectionsOpened == 2)
        #expect(client.connectionsResumed == 1)
    }

    @Test func resolutionTimeout_isOneLineNamingTheHostAndTheFix() {
        let error = HTTPSError.connect(.resolutionTimedOut(host: "global.azure-devices-provisioning.net"))
        ErrorLine.expectOneClearLine(error.description, mentions: ["global.azure-devices-provisioning.net", "DNS", "--connect-timeout"])
        #expect(error.isTransient)
    }
}
