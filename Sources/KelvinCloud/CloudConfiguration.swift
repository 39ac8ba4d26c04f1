import Foundation

/// Everything a ``CloudServer`` needs: where to listen, which TLS identity to present, which
/// devices are enrolled, which hubs DPS links, and how provisioning behaves.
public struct CloudConfiguration: Sendable {
    /// Address the DPS and hub listeners bind to.
    public var host: String
    /// 0 picks an ephemeral port; read ``CloudServer/dpsPort`` after ``CloudServer/start()``.
    public var dpsPort: Int
    /// The linked hubs, each on its own listener; the first is the default for everything that
    /// names no hub.
    public var hubs: [HubConfiguration]
    /// The loopback-only admin API's port (0 = ephemeral); `nil` runs no admin listener.
    public var adminPort: Int?
    public var idScope: String
    /// PEM chain (leaf first) presented by every TLS listener.
    public var serverCertificateFile: String
    public var serverKeyFile: String
    /// The CA that signed the server certificate, and its key: with both, a hub can present a
    /// stand-in certificate that CA signed (``HubTLSMode/notYetValid``); without, it cannot.
    public var serverCACertificateFile: String?
    public var serverCAPrivateKeyFile: String?
    /// Individual enrollments, enrollment groups and uploaded CAs at start; the admin API and
    /// ``CloudServer`` methods change them while running.
    public var enrollmentRegistry: EnrollmentRegistry
    /// Seconds in the `Retry-After` header of every 202; real DPS sends 3.
    public var retryAfterSeconds: Int
    /// How many operation-status polls answer 202 "assigning" before one answers the outcome.
    public var assigningPollsBeforeAssigned: Int
    /// Answer PUT register with the terminal 200 at once, which the REST spec allows.
    public var answersRegisterImmediately: Bool
    public var pollLimit: RateLimit
    public var registrationLimit = RateLimit.registrationsPerInstance
    /// The hubs' error body; a fault step may choose the other (``ScriptedResponse/errorShape``).
    public var hubErrorShape: HubErrorShape = .new
    /// Accept what the emulator refuses by default where the SDKs give Azure no reason to
    /// accept it: a hub batch without `iothub-to`, a DPS body not labelled `application/json`
    /// (`serve --lenient`). Only tests and clients that need the leniency should set it.
    public var lenient = false
    /// The TLS versions (and TLS 1.2 suites) of the DPS and hub listeners; Azure's by default.
    public var tlsVersions = TLSVersions.tls12
    /// Receives one line per event; called from the event loop, so it must not block for long.
    public var log: @Sendable (String) -> Void

    public init(
        serverCertificateFile: String,
        serverKeyFile: String,
        enrollments: [Enrollment] = [],
        host: String = "127.0.0.1",
        dpsPort: Int = 0,
        hubPort: Int = 0,
        idScope: String = "0ne00000001",
        retryAfterSeconds: Int = 3,
        assigningPollsBeforeAssigned: Int = 1,
        hubName: String = "localhost",
        log: @escaping @Sendable (String) -> Void = CloudConfiguration.printLine
    ) {
        self.host = host
        self.dpsPort = dpsPort
        self.hubs = [HubConfiguration(name: "hub", hostName: hubName, port: hubPort)]
        self.adminPort = nil
        self.idScope = idScope
        self.serverCertificateFile = serverCertificateFile
        self.serverKeyFile = serverKeyFile
        self.serverCACertificateFile = nil
        self.serverCAPrivateKeyFile = nil
        self.enrollmentRegistry = EnrollmentRegistry(individualEnrollments: enrollments)
        self.retryAfterSeconds = retryAfterSeconds
        self.assigningPollsBeforeAssigned = assigningPollsBeforeAssigned
        self.answersRegisterImmediately = false
        self.pollLimit = RateLimit.pollsPerDevice
        self.log = log
    }

    /// A configuration presenting a ``TestIdentity`` server identity.
    public init(serverIdentity: ServerIdentityFiles, enrollments: [Enrollment] = []) {
        self.init(
            serverCertificateFile: serverIdentity.certificateFile,
            serverKeyFile: serverIdentity.privateKeyFile,
            enrollments: enrollments
        )
        if let caPrivateKeyFile = serverIdentity.caPrivateKeyFile {
            serverCACertificateFile = serverIdentity.caCertificateFile
            serverCAPrivateKeyFile = caPrivateKeyFile
        }
    }

    /// The individual enrollments.
    public var enrollments: [Enrollment] {
        get { enrollmentRegistry.individualEnrollments }
        set { enrollmentRegistry.individualEnrollments = newValue }
    }

    /// The first hub's port.
    public var hubPort: Int {
        get { hubs.first?.port ?? 0 }
        set { if hubs.isEmpty { hubs = [HubConfiguration(name: "hub", port: newValue)] } else { hubs[0].port = newValue } }
    }

    /// The first hub's host name, the host part of `assignedHub`.
    public var hubName: String {
        get { hubs.first?.hostName ?? "localhost" }
        set { if hubs.isEmpty { hubs = [HubConfiguration(name: "hub", hostName: newValue)] } else { hubs[0].hostName = newValue } }
    }

    /// Writes the line and its newline with one unbuffered write, so lines from the event loop and
    /// the main thread never interleave and a reader of a pipe sees each line immediately.
    @Sendable public static func printLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
