import Foundation

/// Everything a ``CloudServer`` needs: where to listen, which TLS identity to present, which
/// devices are enrolled, and how quickly provisioning completes.
public struct CloudConfiguration: Sendable {
    /// Address both listeners bind to.
    public var host: String
    /// 0 picks an ephemeral port; read ``CloudServer/dpsPort`` after ``CloudServer/start()``.
    public var dpsPort: Int
    /// 0 picks an ephemeral port; read ``CloudServer/hubPort`` after ``CloudServer/start()``.
    public var hubPort: Int
    public var idScope: String
    /// PEM chain (leaf first) presented by both listeners.
    public var serverCertificateFile: String
    public var serverKeyFile: String
    public var enrollments: [Enrollment]
    /// Seconds in the `Retry-After` header of every 202; real DPS sends 3.
    public var retryAfterSeconds: Int
    /// How many operation-status polls answer 202 "assigning" before one answers 200 "assigned".
    public var assigningPollsBeforeAssigned: Int
    /// Host part of `assignedHub`. Real DPS returns a bare host name served on 443; the emulator
    /// returns `"<hubName>:<hub port>"`, which the device accepts as host[:port].
    public var hubName: String
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
        self.hubPort = hubPort
        self.idScope = idScope
        self.serverCertificateFile = serverCertificateFile
        self.serverKeyFile = serverKeyFile
        self.enrollments = enrollments
        self.retryAfterSeconds = retryAfterSeconds
        self.assigningPollsBeforeAssigned = assigningPollsBeforeAssigned
        self.hubName = hubName
        self.log = log
    }

    /// A configuration presenting a ``TestIdentity`` server identity.
    public init(serverIdentity: ServerIdentityFiles, enrollments: [Enrollment] = []) {
        self.init(
            serverCertificateFile: serverIdentity.certificateFile,
            serverKeyFile: serverIdentity.privateKeyFile,
            enrollments: enrollments
        )
    }

    /// Writes the line and its newline with one unbuffered write, so lines from the event loop and
    /// the main thread never interleave and a reader of a pipe sees each line immediately.
    @Sendable public static func printLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
