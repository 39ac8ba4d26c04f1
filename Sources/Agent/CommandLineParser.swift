import AzureIoT
import Wire

/// Turns `argv` into a `Command`, by hand since Embedded Swift has no reflection for an
/// argument-parsing library. Every mistake is one line naming the option and what it takes.
public enum CommandLineParser {
    public static func parse(_ arguments: [String]) throws(UsageError) -> Command {
        var remaining = arguments.dropFirst()
        guard let verb = remaining.first else { return .help }
        remaining = remaining.dropFirst()
        guard let subcommand = Subcommand(verb) else { throw .unknownCommand(verb) }
        switch subcommand {
        case .help: return .help
        case .version: return .version
        case .run: return .run(try parseConfiguration(remaining, command: subcommand))
        case .provision:
            let force = CommandOption.force.flag
            let request = try parseConfiguration(remaining.filter { !ASCII.equals($0, force) }[...], command: subcommand)
            return .provision(request, force: remaining.contains { ASCII.equals($0, force) })
        case .read: return try parseRead(remaining)
        case .send: return .send(try parseSend(remaining))
        case .scan: return try parseScan(remaining)
        case .status: return .status(try parseConfiguration(remaining, command: subcommand))
        case .check: return .check(try parseConfiguration(remaining, command: subcommand))
        case .key: return try parseKey(remaining)
        }
    }

    /// `--config` and the flags of the settings `Configuration` lists (for `read`, only the
    /// sensor's), each checked now so that a mistyped flag is a usage error.
    static func parseConfiguration(
        _ arguments: ArraySlice<String>,
        command: Subcommand,
        settings: [SettingKey] = SettingKey.allCases,
        other: (CommandOption, inout OptionCursor) throws(UsageError) -> Bool = { _, _ in false }
    ) throws(UsageError) -> ConfigurationRequest {
        var request = ConfigurationRequest()
        var cursor = OptionCursor(arguments)
        while let option = cursor.next() {
            if let key = Configuration.key(forFlag: option), settings.contains(key) {
                request.flags.append(try flagInput(key, &cursor))
                continue
            }
            let commandOption = CommandOption(option)
            if commandOption == .config {
                request.path = try cursor.value(for: option)
                request.isExplicit = true
            } else if let commandOption, try other(commandOption, &cursor) {
                continue
            } else {
                throw .unknownOption(option, command: command.name)
            }
        }
        return request
    }

    private static func flagInput(_ key: SettingKey, _ cursor: inout OptionCursor) throws(UsageError) -> SettingInput {
        let text = try cursor.value(for: key.setting.flag)
        do {
            return try Configuration.flagInput(key, text: text)
        } catch {
            throw .invalidSetting(error)
        }
    }

    private static func parseSend(_ arguments: ArraySlice<String>) throws(UsageError) -> SendOptions {
        var options = SendOptions()
        var cursor = OptionCursor(arguments)
        while let option = cursor.next() {
            if let key = Configuration.key(forFlag: option), connectionSettings.contains(key) {
                let input = try flagInput(key, &cursor)
                do {
                    try Configuration.apply([input], to: &options.connection)
                } catch {
                    throw .invalidSetting(error)
                }
                continue
            }
            switch CommandOption(option) {
            case .hub?: options.hubEndpoint = try cursor.value(for: option)
            case .device?: options.deviceID = try cursor.value(for: option)
            case .count?: options.count = try cursor.integer(for: option, in: 1...1_000_000_000)
            case .interval?: options.intervalMilliseconds = try cursor.seconds(for: option, allowingZero: true)
            case .reconnectEach?: options.reconnectEach = true
            default: throw .unknownOption(option, command: Subcommand.send.name)
            }
        }
        guard !options.hubEndpoint.isEmpty else { throw .missingOption(CommandOption.hub.flag, command: Subcommand.send.name) }
        return options
    }

    /// The identity, trust and timeout settings `send` shares with `run`.
    static let connectionSettings: [SettingKey] = [
        .certificate, .privateKey, .keyProvider, .keyPassphraseFile, .caFile, .caDirectory, .proxy, .connectTimeout, .ioTimeout,
    ]

    /// The settings `read` takes: the sensor's.
    static let sensorSettings: [SettingKey] = [.sensorType, .sensorPowerLine]

    private static func parseRead(_ arguments: ArraySlice<String>) throws(UsageError) -> Command {
        var options = ReadOptions()
        let request = try parseConfiguration(arguments, command: .read, settings: sensorSettings) {
            (option: CommandOption, cursor: inout OptionCursor) throws(UsageError) -> Bool in
            switch option {
            case .count: options.count = try cursor.integer(for: option.flag, in: 1...1_000_000_000)
            case .interval: options.intervalMilliseconds = try cursor.seconds(for: option.flag)
            default: return false
            }
            return true
        }
        return .read(options, configuration: request)
    }

    /// The bus of the 40-pin header on every Raspberry Pi since the first revision.
    static let defaultBus = 1

    private static func parseScan(_ arguments: ArraySlice<String>) throws(UsageError) -> Command {
        var bus = defaultBus
        var cursor = OptionCursor(arguments)
        while let option = cursor.next() {
            switch CommandOption(option) {
            case .bus?: bus = try cursor.integer(for: option, in: 0...255)
            default: throw .unknownOption(option, command: Subcommand.scan.name)
            }
        }
        return .scan(bus: bus)
    }
}

/// The first argument, matched once by its bytes so that the rest of the parser switches over cases.
enum Subcommand: CaseIterable {
    case run, provision, send, read, scan, status, check, key, help, version

    var name: String {
        switch self {
        case .run: return "run"
        case .provision: return "provision"
        case .send: return "send"
        case .read: return "read"
        case .scan: return "scan"
        case .status: return "status"
        case .check: return "check"
        case .key: return "key"
        case .help: return "help"
        case .version: return "version"
        }
    }

    init?(_ text: String) {
        if ASCII.equals(text, "-h") || ASCII.equals(text, "--help") {
            self = .help
        } else if ASCII.equals(text, "-V") || ASCII.equals(text, "--version") {
            self = .version
        } else if let named = Self.allCases.first(where: { ASCII.equals($0.name, text) }) {
            self = named
        } else {
            return nil
        }
    }
}

/// The options that are not settings: each belongs to one subcommand or a few.
enum CommandOption: CaseIterable {
    case config, force, hub, device, count, interval, reconnectEach, bus, registrationID, out, tpm, handle

    var flag: String {
        switch self {
        case .config: return "--config"
        case .force: return "--force"
        case .hub: return "--hub"
        case .device: return "--device"
        case .count: return "--count"
        case .interval: return "--interval"
        case .reconnectEach: return "--reconnect-each"
        case .bus: return "--bus"
        case .registrationID: return "--registration-id"
        case .out: return "--out"
        case .tpm: return "--tpm"
        case .handle: return "--handle"
        }
    }

    init?(_ text: String) {
        guard let option = Self.allCases.first(where: { ASCII.equals($0.flag, text) }) else { return nil }
        self = option
    }
}

struct OptionCursor {
    var arguments: ArraySlice<String>

    init(_ arguments: ArraySlice<String>) { self.arguments = arguments }

    mutating func next() -> String? {
        guard let first = arguments.first else { return nil }
        arguments = arguments.dropFirst()
        return first
    }

    mutating func value(for option: String) throws(UsageError) -> String {
        guard let value = next(), !ASCII.hasPrefix(value, "--") else { throw .missingValue(option) }
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
        guard let milliseconds = ConfigValueText.milliseconds(fromSeconds: Array(text.utf8)[...]), milliseconds >= lowest, milliseconds <= 86_400_000 else {
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
