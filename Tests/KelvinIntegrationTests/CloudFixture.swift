import Agent
import AzureIoT
import Foundation
import HTTPSClient
import KelvinCloud
import Platform

extension MonotonicClock: AgentClock {}

/// A running `CloudServer` with a fresh identity in a temporary directory, enrolling the device
/// "kelvin-it-device" and knowing nothing of "stranger-device". With a `serverCertificateFlaw`,
/// the server presents a certificate the device must refuse.
final class CloudFixture {
    static let registrationID = "kelvin-it-device"

    /// The emulator's TLS versions in this run: `KELVIN_TEST_TLS=1.2|1.3|both`, else the
    /// emulator's default. `make unit-tests` runs this suite once more in the other mode.
    static let tlsVersions: TLSVersions = {
        guard let text = ProcessInfo.processInfo.environment["KELVIN_TEST_TLS"] else {
            return CloudConfiguration(serverCertificateFile: "", serverKeyFile: "").tlsVersions
        }
        guard let versions = TLSVersions(rawValue: text) else {
            preconditionFailure("KELVIN_TEST_TLS must be 1.2, 1.3 or both, not '\(text)'")
        }
        return versions
    }()

    let directory: String
    private(set) var server: CloudServer
    let serverIdentity: ServerIdentityFiles
    let device: DeviceIdentityFiles
    let stranger: DeviceIdentityFiles
    private let logLines = LockedList<String>()

    /// - Parameter hubNames: the linked hubs, each on its own port; nil links the one default hub.
    init(assigningPolls: Int = 1, serverCertificateFlaw: ServerCertificateFlaw? = nil, hubNames: [String]? = nil) throws {
        directory = NSTemporaryDirectory() + "kelvin-it-" + UUID().uuidString
        if let flaw = serverCertificateFlaw {
            serverIdentity = try FlawedServerIdentity.create(in: directory, flaw: flaw)
        } else {
            serverIdentity = try TestIdentity.createServerIdentity(in: directory)
        }
        device = try TestIdentity.createSelfSignedDevice(registrationID: Self.registrationID, in: directory)
        stranger = try TestIdentity.createSelfSignedDevice(registrationID: "stranger-device", name: "stranger", in: directory)
        var configuration = CloudConfiguration(
            serverIdentity: serverIdentity,
            enrollments: [try Enrollment(certificatePEMFile: device.certificateFile)]
        )
        configuration.retryAfterSeconds = 1
        configuration.tlsVersions = Self.tlsVersions
        if let hubNames { configuration.hubs = hubNames.map { HubConfiguration(name: $0) } }
        configuration.assigningPollsBeforeAssigned = assigningPolls
        let lines = logLines
        configuration.log = { lines.append($0) }
        server = try CloudServer(configuration: configuration)
        try server.start()
    }

    deinit {
        try? server.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var log: [String] { logLines.snapshot }

    /// Shuts the server down, closing every connection it holds, and starts an emulator with the
    /// same configuration on the same ports: to a client, a server that dropped its idle
    /// connections. Enrollments come back from the configuration; registrations and received
    /// telemetry start empty.
    func restartServerOnTheSamePorts() throws {
        var configuration = server.configuration
        configuration.dpsPort = server.dpsPort
        configuration.hubs = server.hubs.enumerated().map { index, linked in
            var hub = configuration.hubs[index]
            hub.port = linked.port
            return hub
        }
        try server.shutdown()
        server = try CloudServer(configuration: configuration)
        try server.start()
    }

    /// DPS settings for the enrolled device, at this emulator.
    var provisioningSettings: ProvisioningSettings {
        get throws {
            ProvisioningSettings(
                endpoint: Endpoint(host: "localhost", port: UInt16(server.dpsPort)),
                idScope: server.configuration.idScope,
                registrationID: try RegistrationID(commonName: Self.registrationID)
            )
        }
    }

    func context(certificate: String? = nil, key: String? = nil, trust: String? = nil, passphrase: String = "") throws(TLSError) -> TLSContext {
        try TLSContext(TLSContext.Configuration(
            trustedCAPath: trust ?? serverIdentity.caCertificateFile,
            certificateChainPath: certificate ?? device.certificateFile,
            privateKeyPath: key ?? device.privateKeyFile,
            passphrase: Array(passphrase.utf8)
        ))
    }

    /// DPS settings for the device whose certificate `context` holds, at this server.
    func provisioningSettings(_ context: TLSContext) throws -> ProvisioningSettings {
        guard let commonName = context.certificateCommonName else { throw CocoaError(.coderValueNotFound) }
        return ProvisioningSettings(
            endpoint: Endpoint(host: "localhost", port: UInt16(server.dpsPort)),
            idScope: server.configuration.idScope,
            registrationID: try RegistrationID(commonName: commonName)
        )
    }

    /// Encrypts the device key with the openssl command line, as the seed walkthrough's keys are.
    func encryptedDeviceKey(passphrase: String) throws -> String {
        let output = directory + "/device-key-encrypted.pem"
        let process = Foundation.Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", device.privateKeyFile, "-out", output, "-passout", "pass:" + passphrase]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return output
    }
}
