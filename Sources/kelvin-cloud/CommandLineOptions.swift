import KelvinCloud

/// What `init` asked for, checked.
struct InitOptions: Equatable {
    var directory: String
    var registrationID = "my-device"
    /// DNS names the server certificate covers besides localhost.
    var serverNames: [String] = []
    /// IP addresses the server certificate covers besides 127.0.0.1.
    var serverAddresses: [[UInt8]] = []
}

/// What `serve` asked for, checked.
struct ServeOptions: Equatable {
    var directory: String
    var dpsPort = 44300
    var hubPort = 44301
    var idScope = "0ne00000001"
    /// Shorter than real DPS's 3 s so that a local provisioning run takes a second, not several.
    var retryAfterSeconds = 1
    var enrollmentFiles: [String] = []
    /// CA certificates uploaded as verified, named after their file.
    var certificateAuthorityFiles: [String] = []
    /// CA certificates uploaded as verified, each with an enrollment group bound to it.
    var groupCertificateAuthorityFiles: [String] = []
    var setupFile: String?
    /// Extra hubs as `name` or `name:port`; when given, they replace the single default hub.
    var hubs: [HubOption] = []
    var adminPort = 44302
    var assigningPolls = 1
    var registerImmediately = false
    var hubErrorShape = HubErrorShape.new
    var lenient = false
    /// DPS's instance-wide limit; real DPS allows 1,000 per minute per service unit.
    var registrationsPerMinute = 1_000
    var tlsVersions = TLSVersions.tls12
    var exitAfterMessages: Int?
    var maxSeconds: Double?
    /// The host name DPS hands out in `assignedHub` for every hub, instead of `localhost`.
    var publicHost: String?
    /// The address DPS and the hubs listen on; the admin API stays on loopback.
    var listenAddress = "127.0.0.1"
}

struct HubOption: Equatable {
    var name: String
    var port: Int
}
