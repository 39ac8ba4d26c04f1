import AzureIoT
import Wire

/// Turns `argv` into a `Command`, by hand since Embedded Swift has no reflection for an
/// argument-parsing library. Every mistake is one line naming the option and what it takes.
public enum CommandLineParser {
    public static func parse(_ arguments: [String]) throws(UsageError) -> Command {
        var remaining = arguments.dropFirst()
        guard let verb = remaining.first else { return .help }
        remaining = remaining.dropFirst()
        switch verb {
        case "-h", "--help", "help": return .help
        case "-V", "--version", "version": return .version
        case "run": return .run(try parseConfiguration(remaining, command: "run"))
        case "provision":
            var force = false
            let request = try parseConfiguration(remaining.filter { argument in
                if argument == "--force" { force = true }
                return argument != "--force"
            }[...], command: "provision")
            return .provision(request, force: force)
        case "read": return try parseRead(remaining)
        case "send": return .send(try parseSend(remaining))
        case "scan": return try parseScan(remaining)
        case "status": return .status(try parseConfiguration(remaining, command: "status"))
        case "check": return .check(try parseConfiguration(remaining, command: "check"))
        default: throw .unknownCommand(verb)
        }
    }

    /// `--config` and the flags of the settings `Configuration` lists (for `read`, only the
    /// sensor's), each checked now so that a mistyped flag is a usage error.
    private static func parseConfiguration(
        _ arguments: ArraySlice<String>,
        command: String,
        settings: [String]? = nil,
        other: (String, inout OptionCursor) throws(UsageError) -> Bool = { _, _ in false }
    ) throws(UsageError) -> ConfigurationRequest {
        var request = ConfigurationRequest()
        var cursor = OptionCursor(arguments)
        while let option = cursor.next() {
            if option == "--config" {
                request.path = try cursor.value(for: option)
                request.isExplicit = true
            } else if let setting = Configuration.setting(forFlag: option), settings?.contains(where: { $0 == setting.key }) ?? true {
                request.flags.append(try flagInput(setting, &cursor))
            } else if try !other(option, &cursor) {
                throw .unknownOption(option, command: command)
            }
        }
        return request
    }

    private static func flagInput(_ setting: Setting, _ cursor: inout OptionCursor) throws(UsageError) -> SettingInput {
        let text = try cursor.value(for: setting.flag)
        do {
            return try Configuration.flagInput(setting, text: text)
        } catch {
            throw .invalidSetting(error)
        }
    }

    private static func parseSend(_ arguments: ArraySlice<String>) throws(UsageError) -> SendOptions {
        var options = SendOptions()
        var cursor = OptionCursor(arguments)
        while let option = cursor.next() {
            if let setting = Configuration.setting(forFlag: option), Self.connectionSettings.contains(where: { $0 == setting.key }) {
                let input = try flagInput(setting, &cursor)
                do {
                    try Configuration.apply([input], to: &options.connection)
                } catch {
                    throw .invalidSetting(error)
                }
                continue
            }
            switch option {
            case "--hub": options.hubEndpoint = try cursor.value(for: option)
            case "--device": options.deviceID = try cursor.value(for: option)
            case "--count": options.count = try cursor.integer(for: option, in: 1...1_000_000_000)
            case "--interval": options.intervalMilliseconds = try cursor.seconds(for: option, allowingZero: true)
            case "--reconnect-each": options.reconnectEach = true
            default: throw .unknownOption(option, command: "send")
            }
        }
        guard !options.hubEndpoint.isEmpty else { throw .missingOption("--hub", command: "send") }
        return options
    }

    /// The identity, trust and timeout settings `send` shares with `run`.
    static let connectionSettings = [
        "identity.certificate", "identity.key", "identity.key_passphrase_file", "tls.ca_file", "tls.ca_dir",
        "network.proxy", "network.connect_timeout", "network.io_timeout",
    ]

    private static func parseRead(_ arguments: ArraySlice<String>) throws(UsageError) -> Command {
        var options = ReadOptions()
        let request = try parseConfiguration(arguments, command: "read", settings: ["sensor.type", "sensor.power_line"]) {
            (option: String, cursor: inout OptionCursor) throws(UsageError) -> Bool in
            switch option {
            case "--count": options.count = try cursor.integer(for: option, in: 1...1_000_000_000)
            case "--interval": options.intervalMilliseconds = try cursor.seconds(for: option)
            default: return false
            }
            return true
        }
        return .read(options, configuration: request)
    }

    private static func parseScan(_ arguments: ArraySlice<String>) throws(UsageError) -> Command {
        var bus = 1
        var cursor = OptionCursor(arguments)
        while let option = cursor.next() {
            switch option {
            case "--bus": bus = try cursor.integer(for: option, in: 0...255)
            default: throw .unknownOption(option, command: "scan")
            }
        }
        return .scan(bus: bus)
    }

    public static let helpText = """
        OVERVIEW: Temperature telemetry for Raspberry Pi-class boards: provisions once through \
        Azure IoT Hub DPS with an X.509 certificate, then sends readings to the assigned hub.

        USAGE: kelvin <subcommand> [options]

        SUBCOMMANDS:
          run                     Provision once through DPS, then send readings to the hub.
          provision               Provision (or show the saved assignment) and exit.
          send                    Send readings straight to a hub, without DPS.
          read                    Print sensor readings; no network.
          scan                    List the devices answering on an I²C bus, naming known sensors.
          status                  Show the identity, the saved assignment, the spool's backlog,
                                  the delivery counters and the sensor.
          check                   Check files, key, chain, clock, sensor, DPS and hub: one ✔/✘ line
                                  each, with the fix.
          help                    Show this help.
          version                 Show the version.

        OPTIONS (run):
          --config <file>         Settings file: key = value under [sections], each key also a
                                  KELVIN_* variable and a flag below; see CONFIGURATION.
                                  (default: /etc/kelvin/kelvin.conf, when it exists)
          --dps <host[:port]>     DPS endpoint. (default: localhost:44300, the local emulator;
                                  Azure: global.azure-devices-provisioning.net)
          --id-scope <scope>      DPS ID scope. (default: 0ne00000001)
          --cert <file>           Device certificate PEM, leaf first, then any intermediates.
                                  (default: device-cert.pem)
          --key <file>            Device private key PEM, optionally encrypted.
                                  (default: device-key.pem)
          --key-passphrase-file <file>
                                  File holding the key's passphrase (or set
                                  KELVIN_KEY_PASSPHRASE).
          --ca-file <file>        CA certificates to trust for DPS and the hub.
                                  (default: the system's trust store)
          --ca-dir <directory>    A directory of CA certificates prepared with
                                  `openssl rehash`, instead of or besides --ca-file.
          --proxy <url|none>      HTTP proxy to tunnel through with CONNECT,
                                  http://[user:password@]host[:port] (port 1080 if not given);
                                  none connects directly. Hosts in no_proxy connect directly.
                                  (default: https_proxy, else HTTPS_PROXY)
          --count <n>             Readings to send, then exit; 0 runs until stopped. (default: 0)
          --interval <seconds>    Time between readings. (default: 10)
          --connect-timeout <seconds>
                                  Bound on each TCP connect and TLS handshake. (default: 10)
          --io-timeout <seconds>  Bound on each read and write. (default: 15)
          --provisioning-timeout <seconds>
                                  Bound on the whole DPS registration. (default: 120)
          --state-dir <directory> Where the DPS assignment is kept between runs; it is reused
                                  while the certificate, ID scope and DPS endpoint match.
                                  (default: $STATE_DIRECTORY, else /var/lib/kelvin)
          --reprovision-interval <seconds>
                                  When the hub rejects the device (deleted, disabled, moved), ask
                                  DPS again at most this often. (default: 300)
          --payload <json>        JSON object sent with the registration, for custom allocation.
          --dps-api-version <version>
                                  (default: 2021-06-01)
          --hub-api-version <version>
                                  (default: 2020-03-13)
          --property <name=value> Application property sent with every message (repeatable);
                                  letters, digits and ! # $ % & ' * + - . ^ _ ` | ~ only.
          --include <list>        Also send humidity and/or pressure when the sensor has them:
                                  humidity, pressure or humidity,pressure.
          --backlog-limit <n>     Readings held while the hub is unreachable; past it the oldest
                                  give way. A backlog goes in batches. (default: 4096)
          --spool-max-bytes <n>   Bound on the spool file of unsent readings in the state
                                  directory; past it the oldest give way. (default: 1048576)
          --spool-sync-every <n>  Sync the spool to the card after every n readings; 1 after
                                  each, 0 never (less SD-card wear). (default: 10)
          --sensor <sensor>       simulated; an I²C part: bme280, bmp280, sht3x, sht4x, tmp117,
                                  tmp102, mcp9808 or lm75, with @BUS and :ADDRESS if not the
                                  default (bme280@1:0x77); a kernel source: hwmon:NAME[:CHANNEL],
                                  iio:NAME (e.g. iio:dht11), thermal[:TYPE] (the CPU), or
                                  ds18b20[:ID]. (default: simulated)
          --sensor-power <line>   GPIO line (e.g. GPIO17) switching the sensor's supply, to
                                  power-cycle it after repeated bus errors.
          --alert <line>          GPIO line wired to the sensor's alert output; an edge takes a
                                  reading at once.
          --status-led <line>     GPIO line with a status LED: slow blink while provisioning, a
                                  blip per delivered reading, fast blink on trouble.
          --log-level <level>     The least important lines logged to stderr: error, warning,
                                  info or debug. (default: info)

        OPTIONS (status, check): those of run.

        OPTIONS (provision): those of run, and:
          --force                 Register with DPS even when the saved assignment is valid.

        OPTIONS (send): --cert, --key, --key-passphrase-file, --ca-file, --ca-dir, --proxy and the timeouts as for
          run, and:
          --hub <host[:port]>     The hub to send to (required), e.g. my-hub.azure-devices.net.
          --device <id>           Device ID at the hub. (default: the certificate's CN)
          --count <n>             Readings to send. (default: 1)
          --interval <seconds>    Time between readings; 0 sends back to back. (default: 0)
          --reconnect-each        Close the connection after every reading (each then costs a
                                  resumed TLS handshake; for measuring).
          Exits 0 only when every reading was accepted (HTTP 2xx).

        OPTIONS (read): --config, --sensor and --sensor-power as for run, and:
          --count <n>             Readings to print. (default: 1)
          --interval <seconds>    Time between readings. (default: 1)

        OPTIONS (scan):
          --bus <n>               The I²C bus, /dev/i2c-N. (default: 1)

        CONFIGURATION: a setting given as a flag wins over its environment variable, which wins
          over the file. A key's variable is KELVIN_ and the key in capitals, `.` as `_`:
          interval under [telemetry] is telemetry.interval, KELVIN_TELEMETRY_INTERVAL and
          --interval. Durations are written 500ms, 30s, 5m or 2h (flags and variables also take
          plain seconds); lists as ["a", "b"] in the file and a,b in a variable. The example
          kelvin.conf in board/ documents every key. A mistake in the file names its line and
          exits 78.

        SIGNALS (run): SIGTERM or SIGINT syncs the spool and exits 0; SIGHUP reads the
          configuration and identity files again and carries on with them, keeping the spool.

        EXIT STATUS: 0 success, 64 usage, 65 bad data from a service, 66 missing file,
          69 service unavailable, 75 temporary failure, 77 refused by a service, 78 configuration.
        """
}

private struct OptionCursor {
    var arguments: ArraySlice<String>

    init(_ arguments: ArraySlice<String>) { self.arguments = arguments }

    mutating func next() -> String? {
        guard let first = arguments.first else { return nil }
        arguments = arguments.dropFirst()
        return first
    }

    mutating func value(for option: String) throws(UsageError) -> String {
        guard let value = next(), !value.hasPrefix("--") else { throw .missingValue(option) }
        return value
    }

    mutating func integer(for option: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        let text = try value(for: option)
        guard let number = ASCII.parseDecimal(text), range.contains(number) else {
            throw .invalidValue(option, text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// Seconds with up to three decimals ("1", "0.5"), as milliseconds.
    mutating func seconds(for option: String, allowingZero: Bool = false) throws(UsageError) -> Int64 {
        let text = try value(for: option)
        let lowest: Int64 = allowingZero ? 0 : 1
        guard let milliseconds = SettingKind.plainSeconds(Array(text.utf8)[...]), milliseconds >= lowest, milliseconds <= 86_400_000 else {
            throw .invalidValue(option, text, expected: allowingZero ? "seconds between 0 and 86400" : "seconds between 0.001 and 86400")
        }
        return milliseconds
    }
}

public enum UsageError: Error, Equatable, CustomStringConvertible {
    case unknownCommand(String)
    case unknownOption(String, command: String)
    case missingValue(String)
    case missingOption(String, command: String)
    case invalidValue(String, String, expected: String)
    /// A setting's flag with a value the setting does not take.
    case invalidSetting(ConfigurationError)

    public var description: String {
        switch self {
        case .unknownCommand(let verb): return "unknown subcommand '\(verb)'; see 'kelvin help'"
        case .unknownOption(let option, let command): return "unknown option '\(option)' for 'kelvin \(command)'; see 'kelvin help'"
        case .missingValue(let option): return "option '\(option)' needs a value"
        case .missingOption(let option, let command): return "'kelvin \(command)' needs \(option); see 'kelvin help'"
        case .invalidValue(let option, let value, let expected): return "option '\(option)' got '\(value)'; expected \(expected)"
        case .invalidSetting(let error): return error.description
        }
    }
}
