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
        case "run": return .run(try parseRun(remaining, command: "run"))
        case "provision":
            var force = false
            let options = try parseRun(remaining.filter { argument in
                if argument == "--force" { force = true }
                return argument != "--force"
            }[...], command: "provision")
            return .provision(options, force: force)
        case "read": return try parseRead(remaining)
        case "send": return .send(try parseSend(remaining))
        case "scan": return try parseScan(remaining)
        default: throw .unknownCommand(verb)
        }
    }

    private static func parseRun(_ arguments: ArraySlice<String>, command: String) throws(UsageError) -> RunOptions {
        var options = RunOptions()
        var cursor = OptionCursor(arguments)
        while let option = cursor.next() {
            if try parseConnectionOption(option, &cursor, into: &options) { continue }
            switch option {
            case "--dps": options.dpsEndpoint = try cursor.value(for: option)
            case "--id-scope": options.idScope = try cursor.value(for: option)
            case "--count": options.count = try cursor.integer(for: option, in: 0...1_000_000_000)
            case "--interval": options.intervalMilliseconds = try cursor.seconds(for: option)
            case "--provisioning-timeout": options.provisioningTimeoutMilliseconds = try cursor.seconds(for: option)
            case "--state-dir": options.stateDirectory = try cursor.value(for: option)
            case "--dps-api-version": options.dpsAPIVersion = try cursor.apiVersion(for: option)
            case "--hub-api-version": options.hubAPIVersion = try cursor.apiVersion(for: option)
            case "--payload": options.provisioningPayload = try cursor.value(for: option)
            case "--property": options.properties.append(try cursor.value(for: option))
            case "--include": try parseIncluded(try cursor.value(for: option), into: &options)
            case "--reprovision-interval":
                options.reprovisionIntervalMilliseconds = try cursor.seconds(for: option, allowingZero: true)
            case "--backlog-limit": options.backlogLimit = try cursor.integer(for: option, in: 1...1_000_000)
            case "--status-led": options.statusLEDLine = try cursor.value(for: option)
            case "--alert": options.sensor.alertLine = try cursor.value(for: option)
            case "--log-level":
                let name = try cursor.value(for: option)
                guard let level = LogLevel(name: name) else {
                    throw .invalidValue(option, name, expected: "error, warning, info or debug")
                }
                options.logLevel = level
            default:
                if try parseSensorOption(option, &cursor, into: &options.sensor) { continue }
                throw .unknownOption(option, command: command)
            }
        }
        return options
    }

    /// `--include humidity,pressure`: the quantities sent besides temperature.
    private static func parseIncluded(_ list: String, into options: inout RunOptions) throws(UsageError) {
        for name in list.split(separator: ",") {
            switch name {
            case "humidity": options.includeHumidity = true
            case "pressure": options.includePressure = true
            default: throw .invalidValue("--include", list, expected: "a comma-separated list of humidity, pressure")
            }
        }
    }

    private static func parseSend(_ arguments: ArraySlice<String>) throws(UsageError) -> SendOptions {
        var options = SendOptions()
        var cursor = OptionCursor(arguments)
        while let option = cursor.next() {
            if try parseConnectionOption(option, &cursor, into: &options.connection) { continue }
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

    /// The identity, trust and timeout options `run` and `send` share; false when `option` is
    /// not one of them.
    private static func parseConnectionOption(
        _ option: String,
        _ cursor: inout OptionCursor,
        into options: inout RunOptions
    ) throws(UsageError) -> Bool {
        switch option {
        case "--cert": options.certificatePath = try cursor.value(for: option)
        case "--key": options.keyPath = try cursor.value(for: option)
        case "--key-passphrase-file": options.keyPassphrasePath = try cursor.value(for: option)
        case "--ca-file": options.trustedCAPath = try cursor.value(for: option)
        case "--ca-dir": options.trustedCADirectory = try cursor.value(for: option)
        case "--proxy": options.proxy = try cursor.value(for: option)
        case "--connect-timeout": options.connectTimeoutMilliseconds = try cursor.seconds(for: option)
        case "--io-timeout": options.ioTimeoutMilliseconds = try cursor.seconds(for: option)
        default: return false
        }
        return true
    }

    private static func parseRead(_ arguments: ArraySlice<String>) throws(UsageError) -> Command {
        var options = ReadOptions()
        var cursor = OptionCursor(arguments)
        while let option = cursor.next() {
            switch option {
            case "--count": options.count = try cursor.integer(for: option, in: 1...1_000_000_000)
            case "--interval": options.intervalMilliseconds = try cursor.seconds(for: option)
            default:
                if try parseSensorOption(option, &cursor, into: &options.sensor) { continue }
                throw .unknownOption(option, command: "read")
            }
        }
        return .read(options)
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

    /// `--sensor` and `--sensor-power`, shared by `run` and `read`; false when `option` is neither.
    private static func parseSensorOption(_ option: String, _ cursor: inout OptionCursor, into options: inout SensorOptions) throws(UsageError) -> Bool {
        switch option {
        case "--sensor":
            let text = try cursor.value(for: option)
            do {
                options.spec = try SensorSpec(parsing: text)
            } catch {
                throw .invalidSensor(error)
            }
        case "--sensor-power": options.powerLine = try cursor.value(for: option)
        default: return false
        }
        return true
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
          help                    Show this help.
          version                 Show the version.

        OPTIONS (run):
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

        OPTIONS (read): --sensor and --sensor-power as for run, and:
          --count <n>             Readings to print. (default: 1)
          --interval <seconds>    Time between readings. (default: 1)

        OPTIONS (scan):
          --bus <n>               The I²C bus, /dev/i2c-N. (default: 1)

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

    mutating func apiVersion(for option: String) throws(UsageError) -> String {
        let text = try value(for: option)
        guard APIVersion(text) != nil else {
            throw .invalidValue(option, text, expected: "an api-version such as 2021-06-01 or 2025-07-01-preview")
        }
        return text
    }

    /// Seconds with up to three decimals ("1", "0.5"), as milliseconds.
    mutating func seconds(for option: String, allowingZero: Bool = false) throws(UsageError) -> Int64 {
        let text = try value(for: option)
        let lowest: Int64 = allowingZero ? 0 : 1
        guard let milliseconds = Self.parseMilliseconds(text), milliseconds >= lowest, milliseconds <= 86_400_000 else {
            throw .invalidValue(option, text, expected: allowingZero ? "seconds between 0 and 86400" : "seconds between 0.001 and 86400")
        }
        return milliseconds
    }

    static func parseMilliseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")) else {
            guard let whole = ASCII.parseDecimal(bytes[...]), whole >= 0 else { return nil }
            return Int64(whole) * 1000
        }
        let fraction = bytes[(dot + 1)...]
        guard fraction.count >= 1, fraction.count <= 3, let whole = dot == 0 ? 0 : ASCII.parseDecimal(bytes[..<dot]),
              whole >= 0, whole <= 86_400, let part = ASCII.parseDecimal(fraction), part >= 0 else { return nil }
        var scaled = Int64(part)
        for _ in fraction.count..<3 { scaled *= 10 }
        return Int64(whole) * 1000 + scaled
    }
}

public enum UsageError: Error, Equatable, CustomStringConvertible {
    case unknownCommand(String)
    case unknownOption(String, command: String)
    case missingValue(String)
    case missingOption(String, command: String)
    case invalidValue(String, String, expected: String)
    case invalidSensor(SensorSpecError)

    public var description: String {
        switch self {
        case .unknownCommand(let verb): return "unknown subcommand '\(verb)'; see 'kelvin help'"
        case .unknownOption(let option, let command): return "unknown option '\(option)' for 'kelvin \(command)'; see 'kelvin help'"
        case .missingValue(let option): return "option '\(option)' needs a value"
        case .missingOption(let option, let command): return "'kelvin \(command)' needs \(option); see 'kelvin help'"
        case .invalidValue(let option, let value, let expected): return "option '\(option)' got '\(value)'; expected \(expected)"
        case .invalidSensor(let error): return error.description
        }
    }
}
