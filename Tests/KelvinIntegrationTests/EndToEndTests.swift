import Agent
import AzureIoT
import Foundation
import HTTP1
import HTTPSClient
import KelvinCloud
import NIOCore
import Platform
import Testing
import Wire

/// The real OpenSSL client and the real drivers against the emulator (NIOSSL) over loopback
/// mutual TLS: two independent TLS stacks agreeing is the point.
@Suite(.serialized) struct EndToEndTests {
    @Test func enrolledDevice_provisionsThenTelemetryArrives_overOneConnectionPerHost() throws {
        let fixture = try CloudFixture(assigningPolls: 1)
        let context = try fixture.context()
        #expect(context.certificateCommonName == CloudFixture.registrationID)
        #expect(ASCII.hexadecimalString(context.certificateSHA256).count == 64)
        var client = HTTPSClient(context: context)
        let (assignment, requests) = try ProvisioningDriver.provision(
            try fixture.provisioningSettings(context), transport: &client, clock: MonotonicClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 30_000
        ) { Issue.record("unexpected retry: \($0)") }
        #expect(assignment == Assignment(hub: Endpoint(host: "localhost", port: UInt16(fixture.server.hubPort)), deviceID: CloudFixture.registrationID, substatus: "initialAssignment"))
        #expect(requests == 3) // register, one `assigning` poll, the `assigned` poll

        let channel = TelemetryChannel(assignment: assignment, messageIDPrefix: "it")
        for (index, milli) in [21_500, 22_125, -3_000].enumerated() {
            let reading = channel.message(Reading(temperature: Millidegrees(Int32(milli)), temperatureFractionDigits: 2, takenAtMilliseconds: 1_800_000_000_000, sequence: index))
            try client.deliver(reading, to: channel.hub)
        }
        #expect(fixture.server.waitForTelemetry(count: 3, timeoutSeconds: 10))
        let received = fixture.server.receivedTelemetry
        #expect(received.map(\.body) == [#"{"temperature": 21.50}"#, #"{"temperature": 22.13}"#, #"{"temperature": -3.00}"#])
        #expect(received.allSatisfy { $0.deviceID == CloudFixture.registrationID })
        let headers = try #require(received.first).headers
        #expect(headers.value(named: "iothub-contenttype") == "application/json")
        #expect(headers.value(named: "iothub-contentencoding") == "utf-8")
        #expect(headers.value(named: "Content-Type") == "application/json")
        #expect(headers.value(named: "iothub-messageid") == "it-0")
        #expect(client.connectionsOpened == 2)
    }

    @Test func unenrolledCertificate_isRefusedByDPS_with401002() throws {
        let fixture = try CloudFixture()
        let context = try fixture.context(certificate: fixture.stranger.certificateFile, key: fixture.stranger.privateKeyFile)
        var client = HTTPSClient(context: context)
        let strangerSettings = try fixture.provisioningSettings(context)
        do {
            _ = try ProvisioningDriver.provision(strangerSettings, transport: &client, clock: MonotonicClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 10_000) { _ in }
            Issue.record("an unenrolled device was provisioned")
        } catch .provisioning(.rejected(let failure)) {
            #expect(failure.httpStatus == 401)
            #expect(failure.errorCode == 401002)
        } catch {
            Issue.record("unexpected error: \(error)")
        }
    }

    @Test func certificateThatWasNeverProvisioned_isRefusedByTheHub() throws {
        let fixture = try CloudFixture()
        let context = try fixture.context(certificate: fixture.stranger.certificateFile, key: fixture.stranger.privateKeyFile)
        let client = HTTPSClient(context: context)
        let assignment = Assignment(hub: Endpoint(host: "localhost", port: UInt16(fixture.server.hubPort)), deviceID: "stranger-device", substatus: "initialAssignment")
        let reading = TelemetryChannel(assignment: assignment, messageIDPrefix: "x").message(Reading(temperature: Millidegrees(20_000), temperatureFractionDigits: 2, takenAtMilliseconds: 1_800_000_000_000, sequence: 1))
        do {
            try client.deliver(reading, to: assignment.hub)
            Issue.record("the hub accepted a device it never provisioned")
        } catch let refused as HubRefused {
            #expect(refused.response.status == 401)
        } catch {
            Issue.record("unexpected error: \(error)")
        }
        #expect(fixture.server.receivedTelemetry.isEmpty)
    }

    @Test func passphraseProtectedKey_opensOnlyWithItsPassphrase() throws {
        let fixture = try CloudFixture()
        let encrypted = try fixture.encryptedDeviceKey(passphrase: "1234")
        #expect(throws: TLSError.passphraseNeeded(path: encrypted)) { try fixture.context(key: encrypted) }
        #expect(throws: TLSError.wrongPassphrase(path: encrypted)) { try fixture.context(key: encrypted, passphrase: "4321") }
        let context = try fixture.context(key: encrypted, passphrase: "1234")
        var client = HTTPSClient(context: context)
        let (assignment, _) = try ProvisioningDriver.provision(try fixture.provisioningSettings(context), transport: &client, clock: MonotonicClock(), random: SplitMix64(seed: 1), timeoutMilliseconds: 30_000) { _ in }
        #expect(assignment.deviceID == CloudFixture.registrationID)
    }

    @Test func badIdentityFiles_nameTheFile() throws {
        let fixture = try CloudFixture()
        let missing = fixture.directory + "/missing.pem"
        #expect(throws: TLSError.certificateUnreadable(path: missing, .noSuchFile)) { try fixture.context(certificate: missing) }
        #expect(throws: TLSError.keyUnreadable(path: missing, .noSuchFile)) { try fixture.context(key: missing) }
        #expect(throws: TLSError.trustFileUnreadable(path: missing, .noSuchFile)) { try fixture.context(trust: missing) }
        #expect(throws: TLSError.keyMismatch(keyPath: fixture.stranger.privateKeyFile, certificatePath: fixture.device.certificateFile)) {
            try fixture.context(key: fixture.stranger.privateKeyFile)
        }
        let notPEM = fixture.directory + "/not-pem.txt"
        try "hello".write(toFile: notPEM, atomically: true, encoding: .utf8)
        #expect(throws: TLSError.certificateInvalid(path: notPEM)) { try fixture.context(certificate: notPEM) }
        #expect(throws: TLSError.keyInvalid(path: notPEM)) { try fixture.context(key: notPEM) }
    }

    @Test func serverSignedByAnotherCA_isUntrusted() throws {
        let fixture = try CloudFixture()
        let context = try fixture.context(trust: fixture.stranger.certificateFile)
        let connection = HTTPSConnection(host: "localhost", port: UInt16(fixture.server.dpsPort), context: context)
        do {
            _ = try connection.send(HTTPRequest(method: .get, target: "/"))
            Issue.record("an untrusted server was accepted")
        } catch .tls(.untrustedServer(let host, _)) {
            #expect(host == "localhost")
        } catch {
            Issue.record("unexpected error: \(error)")
        }
    }

    @Test func plainHTTPPort_failsTheHandshakeAtOnce_withoutRetrying() throws {
        let fixture = try CloudFixture()
        // A server that speaks HTTP without TLS, as a wrong port would.
        let plain = try LocalListener { child in try child.pipeline.syncOperations.addHandler(PlainHTTPRefusal()) }
        let connection = HTTPSConnection(host: "127.0.0.1", port: plain.port, context: try fixture.context())
        do {
            _ = try connection.send(HTTPRequest(method: .get, target: "/"))
            Issue.record("a plain HTTP server completed a TLS exchange")
        } catch {
            guard case .tls(.handshakeFailed(let host, _)) = error else {
                Issue.record("unexpected error: \(error)")
                return
            }
            #expect(host == "127.0.0.1")
            #expect(!error.isTransient)
        }
    }
}

/// Answers whatever arrives (a TLS ClientHello, here) with a plain HTTP 400 and closes.
private final class PlainHTTPRefusal: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let response = ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in channel.close(promise: nil) }
    }
}
