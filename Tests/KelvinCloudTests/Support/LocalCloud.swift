import Foundation

@testable import KelvinCloud

/// A running emulator on ephemeral ports with a generated server identity and one enrolled,
/// self-signed device, plus curl bound to them. Its TLS versions are the emulator's default
/// unless `KELVIN_TEST_TLS` (1.2, 1.3 or both) says otherwise.
final class LocalCloud {
    static let registrationID = "my-device"
    static let idScope = "0ne00000001"

    let scratch: TemporaryDirectory
    let serverIdentity: ServerIdentityFiles
    let device: DeviceIdentityFiles
    /// Self-signed like `device` but never enrolled.
    let intruder: DeviceIdentityFiles
    let server: CloudServer
    let log = LogRecorder()

    /// `configure` runs last, on top of the defaults above (e.g. to start the admin API).
    init(assigningPollsBeforeAssigned: Int = 1, configure: (inout CloudConfiguration) -> Void = { _ in }) throws {
        scratch = try TemporaryDirectory()
        serverIdentity = try TestIdentity.createServerIdentity(in: scratch.path)
        device = try TestIdentity.createSelfSignedDevice(registrationID: Self.registrationID, in: scratch.path)
        intruder = try TestIdentity.createSelfSignedDevice(
            registrationID: "intruder",
            name: "intruder",
            in: scratch.path
        )
        var configuration = CloudConfiguration(
            serverIdentity: serverIdentity,
            enrollments: [
                try Enrollment(registrationID: Self.registrationID, certificatePEMFile: device.certificateFile)
            ]
        )
        configuration.idScope = Self.idScope
        configuration.retryAfterSeconds = 1
        configuration.assigningPollsBeforeAssigned = assigningPollsBeforeAssigned
        configuration.log = { [log] line in log.append(line) }
        // As in the integration suite: KELVIN_TEST_TLS runs the suite over other TLS versions.
        if let text = ProcessInfo.processInfo.environment["KELVIN_TEST_TLS"] {
            guard let versions = TLSVersions(rawValue: text) else {
                throw CurlFailure(message: "KELVIN_TEST_TLS must be 1.2, 1.3 or both, not '\(text)'")
            }
            configuration.tlsVersions = versions
        }
        configure(&configuration)
        server = try CloudServer(configuration: configuration)
        try server.start()
    }

    /// A cloud whose device has registered and been assigned, so DPS and the hub both answer it.
    static func provisioned(configure: (inout CloudConfiguration) -> Void = { _ in }) throws -> LocalCloud {
        let cloud = try LocalCloud(assigningPollsBeforeAssigned: 0, configure: configure)
        do {
            try cloud.provision()
        } catch {
            cloud.stop()
            throw error
        }
        return cloud
    }

    func stop() {
        try? server.shutdown()
        scratch.remove()
    }

    func dpsURL(_ pathAndQuery: String) -> String {
        "https://localhost:\(server.dpsPort)/\(Self.idScope)/\(pathAndQuery)"
    }

    func hubURL(_ pathAndQuery: String) -> String {
        "https://localhost:\(server.hubPort)/\(pathAndQuery)"
    }

    /// The device's telemetry URL, for curl runs that send several requests on one connection.
    func telemetryURL(deviceID: String = LocalCloud.registrationID) -> String {
        hubURL("devices/\(deviceID)/messages/events?api-version=2021-04-12")
    }

    func curl(_ arguments: [String], as identity: DeviceIdentityFiles?) throws -> CurlResult {
        try Curl.run(arguments, trusting: serverIdentity.caCertificateFile, as: identity, scratch: scratch)
    }

    /// A plain-HTTP request to the admin API, e.g. `admin("POST", "devices/my-device/disable")`.
    func admin(_ method: String, _ path: String, body: String? = nil, headers: [String] = []) throws -> CurlResult {
        var arguments = ["-X", method, try adminURL("admin/\(path)")] + headers.flatMap { ["-H", $0] }
        if let body {
            arguments += ["-H", "Content-Type: application/json", "--data-binary", body]
        }
        return try Curl.run(arguments, trusting: nil, as: nil, scratch: scratch)
    }

    func adminURL(_ pathAndQuery: String) throws -> String {
        guard let port = server.adminPort else { throw CurlFailure(message: "the admin API is not running") }
        return "http://127.0.0.1:\(port)/\(pathAndQuery)"
    }

    /// One request on `route` as the enrolled device: the walkthrough's register or telemetry call.
    func send(_ route: CloudRoute, arguments: [String] = []) throws -> CurlResult {
        switch route {
        case .register:
            return try register(as: device, arguments: arguments)
        case .telemetry:
            return try sendTelemetry(#"{"temperature": 30}"#, as: device, arguments: arguments)
        case .operationStatus, .registrationStatus:
            throw CurlFailure(message: "no curl call for \(route) here")
        }
    }

    /// The walkthrough's register call.
    func register(
        as identity: DeviceIdentityFiles,
        registrationID: String = LocalCloud.registrationID,
        arguments: [String] = []
    ) throws -> CurlResult {
        try curl(
            arguments + [
                "-X", "PUT",
                "-H", "Content-Type: application/json",
                "-H", "Content-Encoding:  utf-8",
                "-d", #"{"registrationId": "\#(registrationID)"}"#,
                dpsURL("registrations/\(registrationID)/register?api-version=2019-03-31"),
            ],
            as: identity
        )
    }

    /// The walkthrough's operation-status call (a GET that still carries the JSON headers).
    func pollOperation(
        _ operationID: String,
        as identity: DeviceIdentityFiles,
        registrationID: String = LocalCloud.registrationID
    ) throws -> CurlResult {
        try curl(
            [
                "-X", "GET",
                "-H", "Content-Type: application/json",
                "-H", "Content-Encoding:  utf-8",
                dpsURL("registrations/\(registrationID)/operations/\(operationID)?api-version=2021-06-01"),
            ],
            as: identity
        )
    }

    /// The walkthrough's telemetry call.
    func sendTelemetry(
        _ body: String,
        as identity: DeviceIdentityFiles,
        deviceID: String = LocalCloud.registrationID,
        arguments: [String] = []
    )
        throws -> CurlResult
    {
        try curl(
            arguments + [
                "-X", "POST",
                "-H", "Content-Type: application/json",
                "-H", "Content-Encoding:  utf-8",
                "-d", body,
                hubURL("devices/\(deviceID)/messages/events?api-version=2020-03-13"),
            ],
            as: identity
        )
    }

    /// Registers and polls until assigned, as a device would.
    func provision() throws {
        try provision(as: device, registrationID: Self.registrationID)
    }

    func provision(as identity: DeviceIdentityFiles, registrationID: String) throws {
        let registration = try register(as: identity, registrationID: registrationID)
        guard let operationID = try registration.jsonObject()["operationId"] as? String else {
            throw CurlFailure(message: "no operationId in \(registration.body)")
        }
        for _ in 0...server.configuration.assigningPollsBeforeAssigned {
            if try pollOperation(operationID, as: identity, registrationID: registrationID).status == 200 { return }
        }
        throw CurlFailure(message: "never assigned")
    }
}

/// Collects the server's log lines from the event loop for assertions.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    func append(_ line: String) {
        lock.withLock { storage.append(line) }
    }

    var lines: [String] {
        lock.withLock { storage }
    }
}
