import AzureIoT
import Sensors
import Wire

/// The settings of `kelvin run` and where each may come from: a key in `kelvin.conf`, a
/// `KELVIN_*` environment variable, a flag.
///
/// All three are turned into `SettingInput`s and applied in the order file, environment, flags,
/// so a later origin wins (flag > env > file) and a value is checked by the same code wherever it
/// was written. A list setting (`telemetry.include`, `telemetry.properties`) is replaced as a
/// whole by a later origin; repeated flags add up.
///
/// The environment variable of a key is `KELVIN_` and the key in capitals with `_` for `.`:
/// `telemetry.interval` is `KELVIN_TELEMETRY_INTERVAL`. An empty variable counts as unset, as
/// systemd's `Environment=NAME=` is the usual way to clear one. `KELVIN_KEY_PASSPHRASE` is a
/// secret, not a setting: it is read where the key is opened, and never echoed.
///
/// Each setting is a `SettingKey`, and its row in `SettingKey.setting` is the only place its
/// key, flag, variable, help and default are written.
public enum Configuration {
    /// Where `kelvin` looks when `--config` is not given; a missing default file is no error.
    public static let defaultPath = "/etc/kelvin/kelvin.conf"

    /// Not a setting, but a `KELVIN_` variable all the same.
    public static let passphraseVariable = "KELVIN_KEY_PASSPHRASE"

    public static func key(forFileKey fileKey: String) -> SettingKey? {
        SettingKey.allCases.first { ASCII.equals($0.setting.fileKey, fileKey) }
    }

    public static func key(forFlag flag: String) -> SettingKey? {
        SettingKey.allCases.first { ASCII.equals($0.setting.flag, flag) }
    }

    /// The options from a configuration file's bytes (nil: no file), the environment and the
    /// flags, in that order of precedence from lowest.
    /// - Throws: `ConfigurationError` for the first grammar mistake, unknown key or bad value.
    public static func resolve(
        file: [UInt8]?,
        path: String,
        environment: (String) -> String?,
        flags: [SettingInput]
    ) throws(ConfigurationError) -> RunOptions {
        var inputs: [SettingInput] = []
        if let file { inputs += try fileInputs(file, path: path) }
        inputs += environmentInputs(environment)
        inputs += flags
        var options = RunOptions()
        try apply(inputs, to: &options)
        return options
    }

    /// The settings a configuration file sets.
    /// - Throws: `ConfigurationError` for a grammar mistake or a key that names no setting.
    public static func fileInputs(_ bytes: [UInt8], path: String) throws(ConfigurationError) -> [SettingInput] {
        let entries: [ConfigEntry]
        do {
            entries = try ConfigFile.parse(bytes, path: path)
        } catch {
            throw ConfigurationError(error.description)
        }
        var inputs: [SettingInput] = []
        for entry in entries {
            guard let key = key(forFileKey: entry.dottedKey) else {
                throw ConfigurationError("\(path):\(entry.line): " + unknownKeyMessage(entry))
            }
            inputs.append(SettingInput(key: key, value: entry.value, origin: .file(path: path, line: entry.line, text: entry.text)))
        }
        return inputs
    }

    /// The settings the environment sets; a bad value is found when they are applied.
    public static func environmentInputs(_ environment: (String) -> String?) -> [SettingInput] {
        var inputs: [SettingInput] = []
        for key in SettingKey.allCases {
            let setting = key.setting
            let name = setting.environmentName
            guard let text = environment(name), !text.isEmpty else { continue }
            inputs.append(SettingInput(key: key, value: setting.kind.value(fromText: text), origin: .environment(name: name, text: text)))
        }
        return inputs
    }

    /// A flag and the text after it, checked at once so that a mistyped flag is a usage error
    /// before any file is read.
    /// - Throws: `ConfigurationError` naming the flag, when its value is not one the setting takes.
    public static func flagInput(_ key: SettingKey, text: String) throws(ConfigurationError) -> SettingInput {
        let setting = key.setting
        let input = SettingInput(key: key, value: setting.kind.value(fromText: text), origin: .flag(name: setting.flag, text: text))
        _ = try setting.check(input)
        return input
    }

    /// Applies `inputs` in order, each over the ones before.
    /// - Throws: `ConfigurationError` naming the first input whose value the setting does not take.
    public static func apply(_ inputs: [SettingInput], to options: inout RunOptions) throws(ConfigurationError) {
        var flagLists: [(key: SettingKey, items: [String])] = []
        for var input in inputs {
            let setting = input.key.setting
            // Repeated flags add up (`--property a=1 --property b=2`); the file and the
            // environment each give a list whole.
            if case .flag = input.origin, case .strings(let items) = input.value {
                if let index = flagLists.firstIndex(where: { $0.key == input.key }) {
                    flagLists[index].items += items
                    input.value = .strings(flagLists[index].items)
                } else {
                    flagLists.append((input.key, items))
                }
            }
            setting.set(&options, try setting.check(input))
        }
    }

    /// The `KELVIN_` names among `names` that are neither a setting's nor the passphrase's:
    /// most likely a typo, which would otherwise pass in silence. Warned about, not refused,
    /// since the environment is shared with whatever else runs the device.
    public static func unknownEnvironmentNames(_ names: [String]) -> [String] {
        names.filter { name in
            ASCII.hasPrefix(name, "KELVIN_") && !ASCII.equals(name, passphraseVariable)
                && !SettingKey.allCases.contains { ASCII.equals($0.setting.environmentName, name) }
        }
    }

    public static func unknownEnvironmentWarning(_ name: String) -> String {
        let example = SettingKey.interval.setting
        return "\(name) names no setting and is ignored; a setting's variable is KELVIN_ and its key in capitals, e.g. \(example.environmentName) for \(example.fileKey)"
    }

    /// The sections, in table order, for messages that list them.
    static var sections: [String] {
        var names: [String] = []
        for key in SettingKey.allCases {
            let section = key.setting.section
            if !names.contains(where: { ASCII.equals($0, section) }) { names.append(section) }
        }
        return names
    }

    private static func unknownKeyMessage(_ entry: ConfigEntry) -> String {
        let sectionList = sections.joined(separator: ", ")
        if entry.section.isEmpty {
            return "\(entry.key) is not under a [section]; the sections are \(sectionList)"
        }
        let known = SettingKey.allCases.map { $0.setting }.filter { ASCII.equals($0.section, entry.section) }.map { $0.name }
        guard !known.isEmpty else {
            return "unknown section [\(entry.section)] (key \(entry.dottedKey)); the sections are \(sectionList)"
        }
        return "unknown key \(entry.dottedKey); [\(entry.section)] has \(known.joined(separator: ", "))"
    }
}

/// One row of the table: where a setting is written, what it takes, what the help says of it,
/// and where it goes in `RunOptions`.
public struct Setting: Sendable {
    /// `section.name`, as in `kelvin.conf`.
    public let fileKey: String
    /// The `kelvin run` flag, e.g. `--interval`.
    public let flag: String
    /// What the help shows after the flag, e.g. `<seconds>`.
    public let placeholder: String
    public let kind: SettingKind
    /// The help's description, one paragraph; the default is added after it.
    public let help: String
    public let defaultValue: SettingDefault
    let set: @Sendable (inout RunOptions, SettingValue) -> Void

    static let day: Int64 = 86_400_000

    init(
        fileKey: String,
        flag: String,
        placeholder: String,
        kind: SettingKind,
        help: String,
        defaultValue: SettingDefault = .none,
        set: @escaping @Sendable (inout RunOptions, SettingValue) -> Void
    ) {
        self.fileKey = fileKey
        self.flag = flag
        self.placeholder = placeholder
        self.kind = kind
        self.help = help
        self.defaultValue = defaultValue
        self.set = set
    }

    static func text(
        _ fileKey: String, _ flag: String, _ placeholder: String, _ kind: SettingKind = .text, help: String,
        default defaultValue: SettingDefault = .none, set: @escaping @Sendable (inout RunOptions, String) -> Void
    ) -> Setting {
        Setting(fileKey: fileKey, flag: flag, placeholder: placeholder, kind: kind, help: help, defaultValue: defaultValue) { options, value in
            if case .text(let text) = value { set(&options, text) }
        }
    }

    static func integer(
        _ fileKey: String, _ flag: String, _ range: ClosedRange<Int>, help: String,
        default defaultValue: SettingDefault, set: @escaping @Sendable (inout RunOptions, Int) -> Void
    ) -> Setting {
        Setting(fileKey: fileKey, flag: flag, placeholder: "<n>", kind: .integer(range), help: help, defaultValue: defaultValue) { options, value in
            if case .integer(let number) = value { set(&options, number) }
        }
    }

    /// Flags take durations as plain seconds too, so the help names that form.
    static func duration(
        _ fileKey: String, _ flag: String, _ range: ClosedRange<Int64>, help: String,
        default defaultValue: SettingDefault, set: @escaping @Sendable (inout RunOptions, Int64) -> Void
    ) -> Setting {
        Setting(fileKey: fileKey, flag: flag, placeholder: "<seconds>", kind: .duration(range), help: help, defaultValue: defaultValue) {
            options, value in
            if case .milliseconds(let milliseconds) = value { set(&options, milliseconds) }
        }
    }

    static func list(
        _ fileKey: String, _ flag: String, _ placeholder: String, _ kind: SettingKind, help: String,
        set: @escaping @Sendable (inout RunOptions, [String]) -> Void
    ) -> Setting {
        Setting(fileKey: fileKey, flag: flag, placeholder: placeholder, kind: kind, help: help) { options, value in
            if case .list(let items) = value { set(&options, items) }
        }
    }

    public var section: String { ASCII.split(fileKey, separator: UInt8(ascii: "."), maxSplits: 1)[0] }
    public var name: String { ASCII.split(fileKey, separator: UInt8(ascii: "."), maxSplits: 1)[1] }

    /// `KELVIN_` and the key in capitals, `.` as `_`.
    public var environmentName: String {
        var bytes = Array("KELVIN_".utf8)
        for byte in fileKey.utf8 {
            bytes.append(byte == UInt8(ascii: ".") ? UInt8(ascii: "_") : (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 0x20 : byte))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value `input` gives this setting.
    /// - Throws: `ConfigurationError` naming the input's origin and what the setting takes.
    func check(_ input: SettingInput) throws(ConfigurationError) -> SettingValue {
        do {
            return try kind.check(input.value)
        } catch {
            throw ConfigurationError(input.origin.place(key: input.key) + ": " + error.message)
        }
    }
}

/// What a setting takes, and so how its value is checked.
public enum SettingKind: Equatable, Sendable {
    /// A non-empty string: a path, a name, a GPIO line.
    case text
    /// `host` or `host:port`.
    case endpoint
    /// `YYYY-MM-DD[-preview]`.
    case apiVersion
    /// A JSON object, as text.
    case payload
    /// A `--sensor` spec.
    case sensor
    /// `error`, `warning`, `info` or `debug`.
    case logLevel
    case integer(ClosedRange<Int>)
    /// Milliseconds; written `30s`, `500ms`, `5m`, `2h` (and, in flags and the environment, as
    /// plain seconds, which is what the flags have always taken).
    case duration(ClosedRange<Int64>)
    /// Some of `humidity`, `pressure`.
    case include
    /// `NAME=VALUE` application properties.
    case properties

    /// Flags and environment variables are text; this reads it by the grammar the file would
    /// use for this kind, so that `30s` or `1_000` mean the same everywhere. Text that is not of
    /// the kind stays a string and is refused by `check` with the message the file would get.
    func value(fromText text: String) -> ConfigValue {
        let bytes = Array(text.utf8)[...]
        switch self {
        case .integer:
            if let number = try? ConfigValueText.integer(bytes, text: text) { return .integer(number) }
        case .duration:
            if let milliseconds = try? ConfigValueText.duration(bytes, text: text) { return .duration(milliseconds: milliseconds) }
            if let milliseconds = ConfigValueText.milliseconds(fromSeconds: bytes) { return .duration(milliseconds: milliseconds) }
        case .include, .properties:
            return .strings(ASCII.split(text, separator: UInt8(ascii: ","), omittingEmptySubsequences: false))
        case .text, .endpoint, .apiVersion, .payload, .sensor, .logLevel:
            break
        }
        return .string(text)
    }

    func check(_ value: ConfigValue) throws(SettingProblem) -> SettingValue {
        switch self {
        case .text:
            guard case .string(let text) = value, !text.isEmpty else { throw SettingProblem("expected a non-empty \"string\"") }
            return .text(text)
        case .endpoint:
            guard case .string(let text) = value, Endpoint(parsing: text) != nil else {
                throw SettingProblem("expected host or host:port, e.g. global.azure-devices-provisioning.net")
            }
            return .text(text)
        case .apiVersion:
            guard case .string(let text) = value, APIVersion(text) != nil else {
                throw SettingProblem("expected an api-version such as 2021-06-01 or 2025-07-01-preview")
            }
            return .text(text)
        case .payload:
            guard case .string(let text) = value else { throw SettingProblem("expected a \"string\" holding a JSON object") }
            do {
                _ = try ProvisioningPayload(json: text)
            } catch {
                throw SettingProblem(error.description)
            }
            return .text(text)
        case .logLevel:
            guard case .string(let text) = value, LogLevel(name: text) != nil else {
                throw SettingProblem("expected one of \"error\", \"warning\", \"info\" or \"debug\"")
            }
            return .text(text)
        case .sensor:
            guard case .string(let text) = value else { throw SettingProblem("expected a \"string\" naming the sensor, e.g. \"bme280@1:0x76\"") }
            do {
                return .sensor(try SensorSpec(parsing: text))
            } catch {
                throw SettingProblem(error.problem)
            }
        case .integer(let range):
            guard case .integer(let number) = value, range.contains(number) else {
                throw SettingProblem("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .integer(number)
        case .duration(let range):
            guard case .duration(let milliseconds) = value, range.contains(milliseconds) else {
                let lowest = range.lowerBound == 0 ? "0s" : "1ms"
                throw SettingProblem("expected a duration like 30s or 5m, from \(lowest) to 24h")
            }
            return .milliseconds(milliseconds)
        case .include:
            guard case .strings(let names) = value,
                  names.allSatisfy({ ASCII.equals($0, "humidity") || ASCII.equals($0, "pressure") }) else {
                throw SettingProblem("expected a list of humidity, pressure")
            }
            return .list(names)
        case .properties:
            guard case .strings(let assignments) = value else { throw SettingProblem("expected a list of \"NAME=VALUE\" strings") }
            for assignment in assignments {
                do {
                    _ = try ApplicationProperty(parsing: assignment)
                } catch {
                    throw SettingProblem(error.description)
                }
            }
            return .list(assignments)
        }
    }
}

/// A value once checked, as the table's setters take it.
public enum SettingValue: Equatable, Sendable {
    case text(String)
    case integer(Int)
    case milliseconds(Int64)
    case sensor(SensorSpec)
    case list([String])
}

/// A value for a setting and where it was written.
public struct SettingInput: Equatable, Sendable {
    public var key: SettingKey
    public var value: ConfigValue
    public var origin: SettingOrigin

    public init(key: SettingKey, value: ConfigValue, origin: SettingOrigin) {
        self.key = key
        self.value = value
        self.origin = origin
    }
}

/// Where a value was written, with the text as written, so that a message can point at it.
public enum SettingOrigin: Equatable, Sendable {
    case file(path: String, line: Int, text: String)
    case environment(name: String, text: String)
    case flag(name: String, text: String)

    /// The start of an error line: `kelvin.conf:12: telemetry.interval = "fast"`,
    /// `KELVIN_TELEMETRY_INTERVAL=fast`, `--interval fast`.
    func place(key: SettingKey) -> String {
        switch self {
        case .file(let path, let line, let text): return "\(path):\(line): \(key) = \(text)"
        case .environment(let name, let text): return "\(name)=\(text)"
        case .flag(let name, let text): return "\(name) \(text)"
        }
    }
}

/// What a setting takes, when a value is not it.
struct SettingProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// One line naming where the mistake is and how to put it right.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    /// Escaped (``PrintableText``): the line quotes values from the environment, the flags and
    /// the file, and a newline or an escape sequence in one must not forge or hide a line.
    public init(_ description: String) { self.description = PrintableText.escaped(description) }
}
