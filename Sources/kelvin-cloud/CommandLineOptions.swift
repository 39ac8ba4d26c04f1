import Foundation
import KelvinCloud

/// What the command line asked for.
enum Invocation: Equatable {
    case help
    case initialize(InitOptions)
    case serve(ServeOptions)
    case pki(PKIOptions)
    case monitor(MonitorOptions)
}

struct InitOptions: Equatable {
    var directory: String
    var registrationID = "my-device"
    /// DNS names the server certificate covers besides localhost.
    var serverNames: [String] = []
    /// IP addresses the server certificate covers besides 127.0.0.1.
    var serverAddresses: [[UInt8]] = []
}

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

struct UsageError: Error, Equatable {
    var message: String
}

/// Hand-written parsing: two subcommands and a few options do not justify a dependency.
/// Accepts `--option value` and `--option=value`.
enum CommandLineOptions {
    static let usage = """
        usage: kelvin-cloud init --dir DIR [--registration-id ID] [--server-name NAME]... [--ip ADDRESS]...
               kelvin-cloud serve --dir DIR [--dps-port PORT] [--hub-port PORT] [--hub NAME[:PORT]]...
                                  [--public-host NAME] [--listen ADDRESS]
                                  [--admin-port PORT] [--id-scope SCOPE] [--retry-after SECONDS]
                                  [--assigning-polls N] [--register-immediately]
                                  [--error-shape new|legacy] [--lenient] [--tls 1.2|1.3|both]
                                  [--registrations-per-minute N]
                                  [--enroll CERT.pem]... [--ca CA.pem]... [--group-ca CA.pem]...
                                  [--config SETUP.json] [--exit-after-messages N] [--max-seconds SECONDS]
        \(PKIOptions.usageSynopsis)
        \(monitorSynopsis)

        A local Azure IoT Hub Device Provisioning Service and IoT Hub, over HTTPS with X.509
        client certificates, for tests and bench work.

        init    Write a test server identity (server-ca.pem, server-cert.pem, server-key.pem) and a
                self-signed device identity (device-cert.pem, device-key.pem) into DIR.
                Valid existing files are kept.
          --registration-id ID     CN of the device certificate (default my-device)
          --server-name NAME       a DNS name the server certificate also covers, besides
                                   localhost and 127.0.0.1 (repeatable)
          --ip ADDRESS             an IPv4 or IPv6 address the server certificate also
                                   covers, e.g. the laptop's LAN address for a Pi on the
                                   bench (repeatable)

        serve   Serve DPS and IoT Hub with DIR/server-cert.pem, enrolling DIR/device-cert.pem
                (if present) and every --enroll certificate under its CN. Ctrl-C stops it.
          --dps-port PORT          DPS listener port (default 44300, 0 = any free port)
          --hub-port PORT          IoT Hub listener port (default 44301, 0 = any free port)
          --hub NAME[:PORT]        link another hub with its own listener (repeatable); when
                                   given, these replace the default hub "hub"
          --public-host NAME       the host name (or IPv4 address) DPS gives devices for every
                                   hub (assignedHub NAME:PORT) instead of localhost; it must
                                   reach this machine and be one of the server
                                   certificate's names (init --server-name / --ip)
          --listen ADDRESS         the IP address DPS and the hubs listen on (default
                                   127.0.0.1; 0.0.0.0 for a device on the LAN); the admin
                                   API stays on loopback
          --admin-port PORT        loopback-only admin API (default 44302, 0 = any free port)
          --id-scope SCOPE         ID scope devices must use (default 0ne00000001)
          --retry-after SECONDS    Retry-After on 202 responses (default 1; real DPS sends 3)
          --assigning-polls N      polls answered "assigning" before the outcome (default 1)
          --register-immediately   answer register with the final 200 instead of 202
          --error-shape new|legacy the hub's error body: new puts the six-digit code in
                                   Message as JSON, legacy only "ErrorCode:<Name>;…" as
                                   older hubs do (default new)
          --lenient                accept what the SDKs never send and the emulator
                                   otherwise refuses: a hub batch without iothub-to (400),
                                   a DPS body not labelled application/json (415)
          --registrations-per-minute N
                                   DPS answers 429 with Retry-After to registrations and
                                   status lookups past N in a minute (default 1000, as one
                                   DPS service unit)
          --tls 1.2|1.3|both       TLS versions of DPS and every hub: 1.2 only with Azure
                                   IoT Hub's ECDHE suites, as DPS and *.azure-devices.net
                                   hubs negotiate; 1.3 only; or both (default 1.2)
          --enroll CERT.pem        enroll another device certificate (repeatable)
          --ca CA.pem              upload a verified CA, named after the file (repeatable)
          --group-ca CA.pem        upload a verified CA and bind an enrollment group of the
                                   same name to it (repeatable)
          --config SETUP.json      hubs, CAs, enrollments and groups from a JSON file (see
                                   the README); added to the options above
          --exit-after-messages N  exit 0 once N telemetry messages have arrived
          --max-seconds SECONDS    exit 1 if still running after SECONDS

        \(PKIOptions.usageDetails)

        \(monitorDetails)

        Exit status: 0 success, 1 failure or time limit reached, 64 usage error, 66 missing file,
        69 no emulator on the admin port (monitor), 73 cannot create a file, 78 invalid setup
        file or configuration.
        """

    static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        guard let subcommand = arguments.first else {
            throw UsageError(message: "missing subcommand (init, serve, pki or monitor)")
        }
        if subcommand == "help" || arguments.contains(where: { $0 == "-h" || $0 == "--help" }) {
            return .help
        }
        if subcommand == "pki" {
            return .pki(try parsePKI(arguments.dropFirst()))
        }
        if subcommand == "monitor" {
            return .monitor(try parseMonitor(arguments.dropFirst()))
        }
        var options = try optionPairs(Array(arguments.dropFirst()))
        switch subcommand {
        case "init":
            var parsed = InitOptions(directory: try take("--dir", from: &options, required: true)!)
            if let registrationID = try take("--registration-id", from: &options) {
                parsed.registrationID = registrationID
            }
            parsed.serverNames = try serverNames(from: &options)
            parsed.serverAddresses = try serverAddresses(from: &options)
            try rejectLeftovers(options)
            return .initialize(parsed)
        case "serve":
            var parsed = ServeOptions(directory: try take("--dir", from: &options, required: true)!)
            if let port = try take("--dps-port", from: &options) {
                parsed.dpsPort = try integer(port, "--dps-port", 0...65535)
            }
            if let port = try take("--hub-port", from: &options) {
                parsed.hubPort = try integer(port, "--hub-port", 0...65535)
            }
            if let scope = try take("--id-scope", from: &options) { parsed.idScope = scope }
            if let seconds = try take("--retry-after", from: &options) {
                parsed.retryAfterSeconds = try integer(seconds, "--retry-after", 0...3600)
            }
            while let file = try take("--enroll", from: &options) {
                parsed.enrollmentFiles.append(file)
            }
            while let file = try take("--ca", from: &options) {
                parsed.certificateAuthorityFiles.append(file)
            }
            while let file = try take("--group-ca", from: &options) {
                parsed.groupCertificateAuthorityFiles.append(file)
            }
            parsed.setupFile = try take("--config", from: &options)
            while let hub = try take("--hub", from: &options) {
                parsed.hubs.append(try hubOption(hub))
            }
            if let port = try take("--admin-port", from: &options) {
                parsed.adminPort = try integer(port, "--admin-port", 0...65535)
            }
            if let polls = try take("--assigning-polls", from: &options) {
                parsed.assigningPolls = try integer(polls, "--assigning-polls", 0...100)
            }
            if try take("--register-immediately", from: &options) != nil {
                parsed.registerImmediately = true
            }
            if try take("--lenient", from: &options) != nil {
                parsed.lenient = true
            }
            if let count = try take("--registrations-per-minute", from: &options) {
                parsed.registrationsPerMinute = try integer(count, "--registrations-per-minute", 1...1_000_000)
            }
            if let shape = try take("--error-shape", from: &options) {
                guard let value = HubErrorShape(rawValue: shape) else {
                    throw UsageError(message: "--error-shape needs new or legacy, not '\(shape)'")
                }
                parsed.hubErrorShape = value
            }
            if let versions = try take("--tls", from: &options) {
                guard let value = TLSVersions(rawValue: versions) else {
                    throw UsageError(message: "--tls needs 1.2, 1.3 or both, not '\(versions)'")
                }
                parsed.tlsVersions = value
            }
            if let count = try take("--exit-after-messages", from: &options) {
                parsed.exitAfterMessages = try integer(count, "--exit-after-messages", 1...Int.max)
            }
            if let seconds = try take("--max-seconds", from: &options) {
                guard let value = Double(seconds), value > 0, value.isFinite else {
                    throw UsageError(message: "--max-seconds needs a positive number of seconds, not '\(seconds)'")
                }
                parsed.maxSeconds = value
            }
            if let host = try take("--public-host", from: &options) {
                // An IPv4 address is fine too: a bench LAN often has no names. (IPv6 would need
                // brackets in assignedHub's host:port.)
                let isIPv4 = (try? ipAddressBytes(host, "--public-host"))?.count == 4
                parsed.publicHost = isIPv4 ? host : try dnsName(host, "--public-host")
            }
            if let address = try take("--listen", from: &options) {
                parsed.listenAddress = try ipAddress(address, "--listen")
            }
            try rejectLeftovers(options)
            if parsed.dpsPort != 0 && parsed.dpsPort == parsed.hubPort {
                throw UsageError(message: "--dps-port and --hub-port must differ")
            }
            return .serve(parsed)
        default:
            throw UsageError(message: "unknown subcommand '\(subcommand)' (expected init, serve, pki or monitor)")
        }
    }

    /// `name` or `name:port`.
    private static func hubOption(_ text: String) throws(UsageError) -> HubOption {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, !name.isEmpty else {
            throw UsageError(message: "--hub needs NAME or NAME:PORT, not '\(text)'")
        }
        let port = parts.count == 2 ? try integer(parts[1], "--hub port", 0...65535) : 0
        return HubOption(name: name, port: port)
    }

    /// Every `--server-name`, each checked to be a DNS name.
    static func serverNames(from options: inout [(name: String, value: String)]) throws(UsageError) -> [String] {
        var names: [String] = []
        while let name = try take("--server-name", from: &options) {
            names.append(try dnsName(name, "--server-name"))
        }
        return names
    }

    /// Every `--ip`, each as the 4 or 16 bytes a certificate's iPAddress name holds.
    static func serverAddresses(from options: inout [(name: String, value: String)]) throws(UsageError) -> [[UInt8]] {
        var addresses: [[UInt8]] = []
        while let text = try take("--ip", from: &options) {
            addresses.append(try ipAddressBytes(text, "--ip"))
        }
        return addresses
    }

    static func ipAddressBytes(_ text: String, _ option: String) throws(UsageError) -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: v6) { Array($0) }
        }
        throw UsageError(message: "\(option) needs an IP address such as 0.0.0.0 or 192.168.1.20, not '\(text)'")
    }

    /// A host name as certificates and resolvers take it: dot-separated labels of letters,
    /// digits and inner hyphens, each at most 63 characters, at most 253 in all.
    static func dnsName(_ text: String, _ option: String) throws(UsageError) -> String {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        let isValid = !text.isEmpty && text.utf8.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
            }
        guard isValid else {
            throw UsageError(message: "\(option) needs a DNS name such as kelvin-hub.test, not '\(text)'")
        }
        return text
    }

    /// An IPv4 or IPv6 address in its usual text form; names are not resolved here.
    static func ipAddress(_ text: String, _ option: String) throws(UsageError) -> String {
        _ = try ipAddressBytes(text, option)
        return text
    }

    /// Options that take no value.
    private static let flags: Set<String> = ["--register-immediately", "--lenient"]

    static func optionPairs(_ arguments: [String]) throws(UsageError) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else {
                throw UsageError(message: "unexpected argument '\(argument)'")
            }
            if flags.contains(argument) {
                pairs.append((argument, "true"))
                index += 1
            } else if let equals = argument.firstIndex(of: "=") {
                pairs.append((String(argument[..<equals]), String(argument[argument.index(after: equals)...])))
                index += 1
            } else {
                guard index + 1 < arguments.count else {
                    throw UsageError(message: "\(argument) needs a value")
                }
                pairs.append((argument, arguments[index + 1]))
                index += 2
            }
        }
        return pairs
    }

    /// Removes and returns the first value of `name`.
    static func take(
        _ name: String,
        from options: inout [(name: String, value: String)],
        required: Bool = false
    ) throws(UsageError) -> String? {
        guard let index = options.firstIndex(where: { $0.name == name }) else {
            if required { throw UsageError(message: "\(name) is required") }
            return nil
        }
        return options.remove(at: index).value
    }

    static func integer(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw UsageError(
                message: "\(name) needs a whole number in \(range.lowerBound)...\(range.upperBound), not '\(text)'"
            )
        }
        return value
    }

    static func rejectLeftovers(_ options: [(name: String, value: String)]) throws(UsageError) {
        if let unknown = options.first {
            throw UsageError(message: "unknown option \(unknown.name)")
        }
    }
}
