import ArgumentParser
import KelvinCloud

/// `kelvin-cloud serve`: runs DPS and IoT Hub until a signal, a message count or a time limit.
struct ServeCommand: CheckedCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve DPS and IoT Hub with DIR/server-cert.pem until Ctrl-C.",
        discussion: """
            Enrolls DIR/device-cert.pem (if present) and every --enroll certificate under its CN.
            """
    )

    private static let defaults = ServeOptions(directory: "")

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("The directory `kelvin-cloud init` wrote.", valueName: "dir"),
        completion: .directory
    )
    var dir: String

    @Option(parsing: .unconditional, help: ArgumentHelp("DPS listener port (0 = any free port).", valueName: "port"))
    var dpsPort = defaults.dpsPort

    @Option(parsing: .unconditional, help: ArgumentHelp("IoT Hub listener port (0 = any free port).", valueName: "port"))
    var hubPort = defaults.hubPort

    @Option(
        name: .customLong("hub"),
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Link another hub with its own listener (repeatable); when given, these replace the default hub \"hub\".",
            valueName: "name[:port]"
        )
    )
    var hubs: [String] = []

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "The host name (or IPv4 address) DPS gives devices for every hub (assignedHub NAME:PORT) instead "
                + "of localhost; it must reach this machine and be one of the server certificate's names "
                + "(init --server-name / --ip).",
            valueName: "name"
        )
    )
    var publicHost: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "The IP address DPS and the hubs listen on (0.0.0.0 for a device on the LAN); the admin API "
                + "stays on loopback.",
            valueName: "address"
        )
    )
    var listen = defaults.listenAddress

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Loopback-only admin API port (0 = any free port).", valueName: "port")
    )
    var adminPort = defaults.adminPort

    @Option(parsing: .unconditional, help: ArgumentHelp("ID scope devices must use.", valueName: "scope"))
    var idScope = defaults.idScope

    @Option(
        name: .customLong("retry-after"),
        parsing: .unconditional,
        help: ArgumentHelp("Retry-After on 202 responses (real DPS sends 3).", valueName: "seconds")
    )
    var retryAfterSeconds = defaults.retryAfterSeconds

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Polls answered \"assigning\" before the outcome.", valueName: "n")
    )
    var assigningPolls = defaults.assigningPolls

    @Flag(help: "Answer register with the final 200 instead of 202.")
    var registerImmediately = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "The hub's error body: new puts the six-digit code in Message as JSON, legacy only "
                + "\"ErrorCode:<Name>;…\" as older hubs do.",
            valueName: "new|legacy"
        ),
        completion: .list(HubErrorShape.allCases.map(\.rawValue))
    )
    var errorShape = defaults.hubErrorShape.rawValue

    @Flag(
        help: """
            Accept what the SDKs never send and the emulator otherwise refuses: a hub batch without \
            iothub-to (400), a DPS body not labelled application/json (415).
            """
    )
    var lenient = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "DPS answers 429 with Retry-After to registrations and status lookups past N in a minute "
                + "(the default is one DPS service unit's).",
            valueName: "n"
        )
    )
    var registrationsPerMinute = defaults.registrationsPerMinute

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "TLS versions of DPS and every hub: 1.2 only with Azure IoT Hub's ECDHE suites, as DPS and "
                + "*.azure-devices.net hubs negotiate; 1.3 only; or both.",
            valueName: "1.2|1.3|both"
        ),
        completion: .list(TLSVersions.allCases.map(\.rawValue))
    )
    var tls = defaults.tlsVersions.rawValue

    @Option(
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp("Enroll another device certificate (repeatable).", valueName: "cert.pem"),
        completion: .file(extensions: ["pem"])
    )
    var enroll: [String] = []

    @Option(
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp("Upload a verified CA, named after the file (repeatable).", valueName: "ca.pem"),
        completion: .file(extensions: ["pem"])
    )
    var ca: [String] = []

    @Option(
        name: .customLong("group-ca"),
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Upload a verified CA and bind an enrollment group of the same name to it (repeatable).",
            valueName: "ca.pem"
        ),
        completion: .file(extensions: ["pem"])
    )
    var groupCA: [String] = []

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Hubs, CAs, enrollments and groups from a JSON file (see the README); added to the options above.",
            valueName: "setup.json"
        ),
        completion: .file(extensions: ["json"])
    )
    var config: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Exit 0 once N telemetry messages have arrived.", valueName: "n")
    )
    var exitAfterMessages: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Exit 1 if still running after SECONDS.", valueName: "seconds")
    )
    var maxSeconds: Double?

    func options() throws(ValidationError) -> ServeOptions {
        var parsed = ServeOptions(directory: dir)
        parsed.dpsPort = try OptionValues.integer(dpsPort, "--dps-port", 0...65535)
        parsed.hubPort = try OptionValues.integer(hubPort, "--hub-port", 0...65535)
        parsed.idScope = idScope
        parsed.retryAfterSeconds = try OptionValues.integer(retryAfterSeconds, "--retry-after", 0...3600)
        parsed.enrollmentFiles = enroll
        parsed.certificateAuthorityFiles = ca
        parsed.groupCertificateAuthorityFiles = groupCA
        parsed.setupFile = config
        for hub in hubs {
            parsed.hubs.append(try OptionValues.hub(hub))
        }
        parsed.adminPort = try OptionValues.integer(adminPort, "--admin-port", 0...65535)
        parsed.assigningPolls = try OptionValues.integer(assigningPolls, "--assigning-polls", 0...100)
        parsed.registerImmediately = registerImmediately
        parsed.lenient = lenient
        parsed.registrationsPerMinute = try OptionValues.integer(
            registrationsPerMinute,
            "--registrations-per-minute",
            1...1_000_000
        )
        parsed.hubErrorShape = try OptionValues.choice(errorShape, "--error-shape", described: "new or legacy")
        parsed.tlsVersions = try OptionValues.choice(tls, "--tls", described: "1.2, 1.3 or both")
        if let exitAfterMessages {
            parsed.exitAfterMessages = try OptionValues.integer(exitAfterMessages, "--exit-after-messages", 1...Int.max)
        }
        if let maxSeconds {
            guard maxSeconds > 0, maxSeconds.isFinite else {
                throw ValidationError("--max-seconds needs a positive number of seconds, not '\(maxSeconds)'")
            }
            parsed.maxSeconds = maxSeconds
        }
        if let publicHost {
            // An IPv4 address is fine too: a bench LAN often has no names. (IPv6 would need
            // brackets in assignedHub's host:port.)
            let isIPv4 = (try? OptionValues.ipAddressBytes(publicHost, "--public-host"))?.count == 4
            parsed.publicHost = isIPv4 ? publicHost : try OptionValues.dnsName(publicHost, "--public-host")
        }
        parsed.listenAddress = try OptionValues.ipAddress(listen, "--listen")
        if parsed.dpsPort != 0 && parsed.dpsPort == parsed.hubPort {
            throw ValidationError("--dps-port and --hub-port must differ")
        }
        return parsed
    }
}
