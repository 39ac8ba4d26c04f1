import Agent
import AzureIoT
import Foundation
import HTTP1
import HTTPSClient
import KelvinCloud
import Platform
import Testing
import Wire

/// The real client through a CONNECT proxy to the emulator: TLS runs end to end inside the tunnel,
/// verified against the target host's name, and the proxy's refusals come back as one clear line.
@Suite(.serialized) struct ProxyTunnelTests {
    func proxySettings(_ url: String, noProxy: String = "") throws -> ProxySettings {
        try ProxySettings.resolve(option: nil) { ["https_proxy": url, "no_proxy": noProxy][$0] }
    }

    /// Provisions and sends two readings through `client`.
    func provisionAndSend(_ fixture: CloudFixture, _ context: TLSContext, client: inout HTTPSClient) throws {
        let (assignment, _) = try ProvisioningDriver.provision(
            try fixture.provisioningSettings(context), transport: &client, clock: MonotonicClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 30_000
        ) { Issue.record("unexpected retry: \($0)") }
        #expect(assignment.deviceID == CloudFixture.registrationID)
        let channel = TelemetryChannel(assignment: assignment, messageIDPrefix: "proxy")
        for index in 0..<2 {
            let reading = channel.message(Reading(temperature: Millidegrees(21_000 + Int32(index)), temperatureFractionDigits: 2, takenAtMilliseconds: 1_800_000_000_000, sequence: index))
            try client.deliver(reading, to: channel.hub)
        }
        #expect(fixture.server.waitForTelemetry(count: 2, timeoutSeconds: 10))
    }

    @Test func provisioningAndTelemetry_goThroughTheTunnel_oneConnectPerHost() throws {
        let fixture = try CloudFixture()
        let proxy = try TestConnectProxy(.tunnel)
        defer { proxy.stop() }
        let context = try fixture.context()
        var client = HTTPSClient(context: context, proxySettings: try proxySettings(proxy.url()))
        try provisionAndSend(fixture, context, client: &client)
        #expect(client.connectionsOpened == 2)
        client.closeAll()
        let dps = "localhost:\(fixture.server.dpsPort)"
        let hub = "localhost:\(fixture.server.hubPort)"
        #expect(proxy.requests == [
            "CONNECT \(dps) HTTP/1.1\r\nHost: \(dps)\r\n\r\n",
            "CONNECT \(hub) HTTP/1.1\r\nHost: \(hub)\r\n\r\n",
        ])
    }

    @Test func proxyDemandingCredentials_withoutThem_isA407Error() throws {
        let fixture = try CloudFixture()
        let proxy = try TestConnectProxy(.requireAuthorization("Basic " + Base64.encode(Array("kelvin:s@cret pw".utf8))))
        defer { proxy.stop() }
        let client = HTTPSClient(context: try fixture.context(), proxySettings: try proxySettings(proxy.url()))
        let port = UInt16(fixture.server.dpsPort)
        do {
            _ = try client.send(host: "localhost", port: port, HTTPRequest(method: .get, target: "/"))
            Issue.record("the proxy let an unauthenticated CONNECT through")
        } catch {
            #expect(error == .proxy(.refused(
                proxy: "127.0.0.1:\(proxy.port)", source: "https_proxy", target: "localhost:\(port)",
                status: 407, reason: "Proxy Authentication Required", sentCredentials: false
            )))
            #expect(error.description == "the proxy 127.0.0.1:\(proxy.port) requires authentication (407 Proxy Authentication Required); put user:password in https_proxy: http://user:password@host:port")
            #expect(!error.isTransient)
        }
        #expect(Self.header("Proxy-Authorization", in: proxy.requests) == [nil])
    }

    @Test func proxyDemandingCredentials_acceptsThePercentDecodedOnes() throws {
        let fixture = try CloudFixture()
        let expected = "Basic " + Base64.encode(Array("kelvin:s@cret pw".utf8))
        let proxy = try TestConnectProxy(.requireAuthorization(expected))
        defer { proxy.stop() }
        let context = try fixture.context()
        var client = HTTPSClient(context: context, proxySettings: try proxySettings(proxy.url(credentials: "kelvin:s%40cret%20pw")))
        try provisionAndSend(fixture, context, client: &client)
        client.closeAll()
        #expect(Self.header("Proxy-Authorization", in: proxy.requests) == [expected, expected])
    }

    @Test func wrongCredentials_sayThatTheCredentialsWereRejected() throws {
        let fixture = try CloudFixture()
        let proxy = try TestConnectProxy(.requireAuthorization("Basic " + Base64.encode(Array("kelvin:right".utf8))))
        defer { proxy.stop() }
        let client = HTTPSClient(context: try fixture.context(), proxySettings: try proxySettings(proxy.url(credentials: "kelvin:wrong")))
        do {
            _ = try client.send(host: "localhost", port: UInt16(fixture.server.dpsPort), HTTPRequest(method: .get, target: "/"))
            Issue.record("the proxy accepted wrong credentials")
        } catch {
            #expect(error.description == "the proxy 127.0.0.1:\(proxy.port) rejected the credentials in https_proxy (407 Proxy Authentication Required); check the user and password")
        }
    }

    @Test func refusingProxy_403_isAClearPermanentError() throws {
        let fixture = try CloudFixture()
        let proxy = try TestConnectProxy(.refuse(status: 403, reason: "Forbidden"))
        defer { proxy.stop() }
        let context = try fixture.context()
        var client = HTTPSClient(context: context, proxySettings: try proxySettings(proxy.url()))
        let provisioning = try fixture.provisioningSettings(context)
        do {
            _ = try ProvisioningDriver.provision(provisioning, transport: &client, clock: MonotonicClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 10_000) { _ in
                Issue.record("a refusal was retried")
            }
            Issue.record("provisioning succeeded through a refusing proxy")
        } catch .transport(let error) {
            let dps = "localhost:\(fixture.server.dpsPort)"
            #expect(error.description == "the proxy 127.0.0.1:\(proxy.port) from https_proxy refused to tunnel to \(dps) (403 Forbidden); have it allow CONNECT to that host, or list the host in no_proxy")
            #expect(!error.isTransient)
        } catch {
            Issue.record("unexpected error: \(error)")
        }
        #expect(proxy.requests.count == 1)
    }

    @Test func badGateway_isTransient() throws {
        let fixture = try CloudFixture()
        let proxy = try TestConnectProxy(.refuse(status: 502, reason: "Bad Gateway"))
        defer { proxy.stop() }
        let client = HTTPSClient(context: try fixture.context(), proxySettings: try proxySettings(proxy.url()))
        do {
            _ = try client.send(host: "localhost", port: UInt16(fixture.server.dpsPort), HTTPRequest(method: .get, target: "/"))
            Issue.record("a 502 opened a tunnel")
        } catch {
            #expect(error.isTransient)
        }
    }

    @Test func somethingElseThanAProxy_isAMalformedAnswer() throws {
        let fixture = try CloudFixture()
        let proxy = try TestConnectProxy(.answerGarbage)
        defer { proxy.stop() }
        let client = HTTPSClient(context: try fixture.context(), proxySettings: try proxySettings(proxy.url()))
        #expect(throws: HTTPSError.proxy(.malformedAnswer(proxy: "127.0.0.1:\(proxy.port)", source: "https_proxy", .invalidStatusLine))) {
            try client.send(host: "localhost", port: UInt16(fixture.server.dpsPort), HTTPRequest(method: .get, target: "/"))
        }
    }

    @Test func proxyNotListening_isUnreachable_andTransient() throws {
        let fixture = try CloudFixture()
        let proxy = try TestConnectProxy(.tunnel)
        let port = proxy.port
        proxy.stop()
        let client = HTTPSClient(context: try fixture.context(), proxySettings: try proxySettings("http://127.0.0.1:\(port)"))
        do {
            _ = try client.send(host: "localhost", port: UInt16(fixture.server.dpsPort), HTTPRequest(method: .get, target: "/"))
            Issue.record("connected through a proxy that is not there")
        } catch {
            #expect(error == .proxy(.unreachable(proxy: "127.0.0.1:\(port)", source: "https_proxy", .refused(host: "127.0.0.1", port: port))))
            #expect(error.description == "cannot reach the proxy 127.0.0.1:\(port) from https_proxy: 127.0.0.1:\(port) refused the connection; is the service running on that port?")
            #expect(error.isTransient)
        }
    }

    @Test func hostInNoProxy_connectsDirectly() throws {
        let fixture = try CloudFixture()
        let proxy = try TestConnectProxy(.refuse(status: 403, reason: "Forbidden"))
        defer { proxy.stop() }
        let context = try fixture.context()
        var client = HTTPSClient(context: context, proxySettings: try proxySettings(proxy.url(), noProxy: "example.com,.LOCALHOST"))
        try provisionAndSend(fixture, context, client: &client)
        #expect(proxy.requests.isEmpty)
    }

    static func header(_ name: String, in requests: [String]) -> [String?] {
        requests.map { TestConnectProxy.header(name, in: $0) }
    }
}
