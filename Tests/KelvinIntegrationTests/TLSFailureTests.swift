import Foundation
import HTTPSClient
import KelvinCloud
import NIOSSL
import Platform
import Testing

/// Each way TLS setup can fail, caused for real (certificates made here, servers that misbehave
/// on purpose), must reach the user as its own typed case and one line that names the host and
/// the fix, and never shows a passphrase or key material.
@Suite(.serialized) struct TLSFailureTests {
    struct FlawCase: Sendable, CustomTestStringConvertible {
        var flaw: ServerCertificateFlaw
        var expected: TLSError
        var phrases: [String]
        var testDescription: String { "\(flaw)" }
    }

    static let flawCases = [
        FlawCase(flaw: .expired, expected: .serverCertificateExpired(host: "localhost"), phrases: ["localhost", "expired", "`date`"]),
        FlawCase(
            flaw: .notYetValid,
            expected: .serverCertificateNotYetValid(host: "localhost"),
            phrases: ["localhost", "not yet valid", "is the system clock set?"]
        ),
        FlawCase(flaw: .otherHostName, expected: .hostnameMismatch(host: "localhost"), phrases: ["does not name localhost", "check the host name"]),
        FlawCase(
            flaw: .unknownCA,
            expected: .untrustedServer(host: "localhost", reason: "unable to get local issuer certificate"),
            phrases: ["localhost", "not trusted", "--ca-file"]
        ),
    ]

    @Test(arguments: flawCases)
    func flawedServerCertificate_isRefusedWithItsOwnCaseAndLine(_ flawCase: FlawCase) throws {
        let fixture = try CloudFixture(serverCertificateFlaw: flawCase.flaw)
        let connection = HTTPSConnection(host: "localhost", port: UInt16(fixture.server.dpsPort), context: try fixture.context(), timeouts: shortTimeouts)
        let error = try #require(connection.failureOfGET())
        #expect(error == .tls(flawCase.expected))
        ErrorLine.expectOneClearLine(error.description, mentions: flawCase.phrases)
        try ErrorLine.expectNoSecrets(in: error.description, keyFiles: [fixture.device.privateKeyFile, fixture.serverIdentity.privateKeyFile])
        #expect(!error.isTransient, "retrying cannot fix a certificate")
        #expect(connection.connectionsOpened == 0)
    }

    @Test(arguments: [TLSVersion.tlsv12, .tlsv13])
    func serverThatDoesNotTrustTheDeviceCertificate_isClientCertificateRejected(maximumVersion: TLSVersion) throws {
        let fixture = try CloudFixture()
        // The server trusts only its own CA, which did not sign the self-signed device certificate.
        let server = try LocalListener.verifyingClientCertificates(
            certificateFile: fixture.serverIdentity.certificateFile,
            privateKeyFile: fixture.serverIdentity.privateKeyFile,
            trustedCAFile: fixture.serverIdentity.caCertificateFile,
            maximumTLSVersion: maximumVersion
        )
        let connection = HTTPSConnection(host: "localhost", port: server.port, context: try fixture.context(), timeouts: shortTimeouts)
        let error = try #require(connection.failureOfGET())
        guard case .tls(.clientCertificateRejected(let host, let reason)) = error else {
            Issue.record("expected clientCertificateRejected, got \(error)")
            return
        }
        #expect(host == "localhost")
        #expect(!reason.isEmpty)
        ErrorLine.expectOneClearLine(error.description, mentions: ["localhost", "rejected the device certificate", "enrolled"])
        try ErrorLine.expectNoSecrets(in: error.description, keyFiles: [fixture.device.privateKeyFile])
        #expect(!error.isTransient)
    }

    @Test func wrongPassphrase_namesTheKeyFileAndTheFix_butNotThePassphrase() throws {
        let fixture = try CloudFixture()
        let passphrase = "tide-pool-8812-secret"
        let wrong = "wrong-guess-2188-secret"
        let encrypted = try fixture.encryptedDeviceKey(passphrase: passphrase)
        do {
            _ = try fixture.context(key: encrypted, passphrase: wrong)
            Issue.record("a wrong passphrase opened the key")
        } catch {
            #expect(error == .wrongPassphrase(path: encrypted))
            ErrorLine.expectOneClearLine(error.description, mentions: [encrypted, "passphrase does not open", "--key-passphrase-file"])
            try ErrorLine.expectNoSecrets(in: error.description, passphrases: [passphrase, wrong], keyFiles: [encrypted, fixture.device.privateKeyFile])
        }
        do {
            _ = try fixture.context(key: encrypted)
            Issue.record("an encrypted key opened without a passphrase")
        } catch {
            #expect(error == .passphraseNeeded(path: encrypted))
            ErrorLine.expectOneClearLine(error.description, mentions: [encrypted, "encrypted", "--key-passphrase-file"])
            try ErrorLine.expectNoSecrets(in: error.description, passphrases: [passphrase], keyFiles: [encrypted])
        }
    }

    @Test func serverThatAcceptsButNeverSpeaksTLS_isHandshakeTimedOut() throws {
        let fixture = try CloudFixture()
        let silent = try LocalListener.silent()
        let connection = HTTPSConnection(host: "127.0.0.1", port: silent.port, context: try fixture.context(), timeouts: shortTimeouts)
        let error = try #require(connection.failureOfGET())
        #expect(error == .tls(.handshakeTimedOut(host: "127.0.0.1")))
        ErrorLine.expectOneClearLine(error.description, mentions: ["TLS handshake with 127.0.0.1", "--connect-timeout"])
        #expect(error.isTransient)
        #expect(connection.connectionsOpened == 0)
    }

    @Test func portWhoseListenQueueIsFull_isConnectTimedOut() throws {
        let fixture = try CloudFixture()
        let blackHole = try FullBacklogListener()
        let connection = HTTPSConnection(host: "127.0.0.1", port: blackHole.port, context: try fixture.context(), timeouts: shortTimeouts)
        let error = try #require(connection.failureOfGET())
        #expect(error == .connect(.timedOut(host: "127.0.0.1", port: blackHole.port)))
        ErrorLine.expectOneClearLine(error.description, mentions: ["127.0.0.1:\(blackHole.port)", "did not answer in time", "firewall"])
        #expect(error.isTransient)
    }

    @Test func portNobodyListensOn_isConnectRefused() throws {
        let fixture = try CloudFixture()
        let port = UInt16(fixture.server.dpsPort)
        try fixture.server.shutdown()
        let connection = HTTPSConnection(host: "127.0.0.1", port: port, context: try fixture.context(), timeouts: shortTimeouts)
        let error = try #require(connection.failureOfGET())
        #expect(error == .connect(.refused(host: "127.0.0.1", port: port)))
        ErrorLine.expectOneClearLine(error.description, mentions: ["127.0.0.1:\(port)", "refused", "is the service running"])
        #expect(error.isTransient)
    }
}
