import Agent
import Foundation
import Sensors
import Testing

@Suite struct ConfigurationTests {
    private static func resolve(
        _ file: String?,
        environment: [String: String] = [:],
        flags: [String] = []
    ) throws -> RunOptions {
        let command = try CommandLineParser.parse(["kelvin", "run"] + flags)
        guard case .run(let request) = command else { throw ConfigurationError("not a run") }
        return try Configuration.resolve(
            file: file.map { Array($0.utf8) }, path: "kelvin.conf", environment: { environment[$0] }, flags: request.flags
        )
    }

    // Found by the environment fuzz target: the variable's text was quoted raw, so a newline
    // in it printed a second line that looked like Kelvin's own.
    @Test func environmentValueWithANewline_isRefusedOnOneLine() {
        #expect(throws: ConfigurationError("KELVIN_TELEMETRY_INTERVAL=fast\\nkelvin: all good: expected a duration like 30s or 5m, from 1ms to 24h")) {
            try Self.resolve(nil, environment: ["KELVIN_TELEMETRY_INTERVAL": "fast\nkelvin: all good"])
        }
    }

    // MARK: precedence

    @Test func flagBeatsEnvironmentBeatsFile() throws {
        let file = """
            [telemetry]
            interval = 30s
            count = 5
            backlog_limit = 100
            properties = ["site=file"]
            [identity]
            certificate = "file-cert.pem"
            key = "file-key.pem"
            [sensor]
            type = "sht4x"
            """
        let environment = [
            "KELVIN_TELEMETRY_INTERVAL": "20s",
            "KELVIN_TELEMETRY_COUNT": "6",
            "KELVIN_IDENTITY_CERTIFICATE": "env-cert.pem",
            "KELVIN_TELEMETRY_PROPERTIES": "site=env,room=lab",
            "KELVIN_SENSOR_TYPE": "tmp117@3",
        ]
        let options = try Self.resolve(file, environment: environment, flags: [
            "--interval", "10", "--cert", "flag-cert.pem", "--sensor", "lm75:0x49",
        ])
        var expected = RunOptions()
        expected.intervalMilliseconds = 10_000
        expected.count = 6
        expected.backlogLimit = 100
        expected.properties = ["site=env", "room=lab"]
        expected.certificatePath = "flag-cert.pem"
        expected.keyPath = "file-key.pem"
        expected.sensor.spec = .i2c(.lm75, bus: 1, address: I2CAddress(0x49)!)
        #expect(options == expected)

        // Each origin alone, so that the one above is not winning by accident.
        #expect(try Self.resolve(file).intervalMilliseconds == 30_000)
        #expect(try Self.resolve(file, environment: environment).intervalMilliseconds == 20_000)
        #expect(try Self.resolve(file, environment: environment).sensor.spec == .i2c(.tmp117, bus: 3, address: I2CAddress(0x48)!))
        #expect(try Self.resolve(nil, flags: ["--interval", "10"]).intervalMilliseconds == 10_000)
    }

    @Test func repeatedFlagsAddUp_andReplaceTheFilesList() throws {
        let file = "[telemetry]\nproperties = [\"site=file\"]\ninclude = [\"humidity\", \"pressure\"]\n"
        let options = try Self.resolve(file, flags: ["--property", "a=1", "--property", "b=2", "--include", "pressure"])
        #expect(options.properties == ["a=1", "b=2"])
        #expect(!options.includeHumidity)
        #expect(options.includePressure)
        #expect(try Self.resolve(file, environment: ["KELVIN_TELEMETRY_INCLUDE": "humidity"]).includePressure == false)
    }

    @Test func emptyVariable_countsAsUnset() throws {
        #expect(try Self.resolve("[telemetry]\ncount = 3\n", environment: ["KELVIN_TELEMETRY_COUNT": ""]).count == 3)
    }

    @Test func flagsKeepTakingPlainSeconds_andTakeUnitsToo() throws {
        #expect(try Self.resolve(nil, flags: ["--interval", "0.5"]).intervalMilliseconds == 500)
        #expect(try Self.resolve(nil, flags: ["--interval", ".25"]).intervalMilliseconds == 250)
        #expect(try Self.resolve(nil, flags: ["--interval", "2m"]).intervalMilliseconds == 120_000)
        #expect(try Self.resolve(nil, flags: ["--reprovision-interval", "0"]).reprovisionIntervalMilliseconds == 0)
        #expect(try Self.resolve(nil, environment: ["KELVIN_NETWORK_IO_TIMEOUT": "1.5"]).ioTimeoutMilliseconds == 1_500)
    }

    // MARK: errors name their origin

    @Test func aBadValue_namesWhereItWasWritten() {
        #expect(throws: ConfigurationError("kelvin.conf:2: telemetry.interval = \"fast\": expected a duration like 30s or 5m, from 1ms to 24h")) {
            try Self.resolve("[telemetry]\ninterval = \"fast\"\n")
        }
        #expect(throws: ConfigurationError("KELVIN_TELEMETRY_INTERVAL=fast: expected a duration like 30s or 5m, from 1ms to 24h")) {
            try Self.resolve(nil, environment: ["KELVIN_TELEMETRY_INTERVAL": "fast"])
        }
        #expect(throws: UsageError.invalidSetting(ConfigurationError("--interval fast: expected a duration like 30s or 5m, from 1ms to 24h"))) {
            try Self.resolve(nil, flags: ["--interval", "fast"])
        }
        #expect(throws: ConfigurationError("KELVIN_TELEMETRY_PROPERTIES=room=living room: application property \"room\": U+0020 is not allowed in its value; use only ASCII letters, digits and !#$%&'*+-.^_`|~")) {
            try Self.resolve(nil, environment: ["KELVIN_TELEMETRY_PROPERTIES": "room=living room"])
        }
    }

    @Test func unknownVariables_areFoundForAWarning() {
        let names = ["PATH", "KELVIN_TELEMETRY_INTERVAL", "KELVIN_INTERVAL", "KELVIN_KEY_PASSPHRASE", "KELVIN_DPS_ENDPOINT", "XKELVIN_FOO"]
        #expect(Configuration.unknownEnvironmentNames(names) == ["KELVIN_INTERVAL"])
        #expect(Configuration.unknownEnvironmentWarning("KELVIN_INTERVAL")
            == "KELVIN_INTERVAL names no setting and is ignored; a setting's variable is KELVIN_ and its key in capitals, e.g. KELVIN_TELEMETRY_INTERVAL for telemetry.interval")
    }

    // MARK: the table

    /// A value for every setting, as the file writes it and as a flag or variable does, and
    /// what it does to the options.
    static let samples: [(key: String, file: String, text: String, change: @Sendable (inout RunOptions) -> Void)] = [
        ("dps.endpoint", "\"dps.example:8443\"", "dps.example:8443", { $0.dpsEndpoint = "dps.example:8443" }),
        ("dps.id_scope", "\"0ne00ABCDEF\"", "0ne00ABCDEF", { $0.idScope = "0ne00ABCDEF" }),
        ("dps.provisioning_timeout", "90s", "90s", { $0.provisioningTimeoutMilliseconds = 90_000 }),
        ("dps.api_version", "\"2025-07-01-preview\"", "2025-07-01-preview", { $0.dpsAPIVersion = "2025-07-01-preview" }),
        ("dps.payload", "\"{\\\"a\\\":1}\"", "{\"a\":1}", { $0.provisioningPayload = "{\"a\":1}" }),
        ("hub.api_version", "\"2021-04-12\"", "2021-04-12", { $0.hubAPIVersion = "2021-04-12" }),
        ("hub.reprovision_interval", "0s", "0s", { $0.reprovisionIntervalMilliseconds = 0 }),
        ("hub.retry_cap", "5s", "5s", { $0.retryCapMilliseconds = 5_000 }),
        ("hub.round_pause", "2m", "2m", { $0.roundPauseMilliseconds = 120_000 }),
        ("hub.reprovision_after", "3", "3", { $0.hubFailuresBeforeReprovisioning = 3 }),
        ("identity.certificate", "\"c.pem\"", "c.pem", { $0.certificatePath = "c.pem" }),
        ("identity.key", "\"k.pem\"", "k.pem", { $0.keyPath = "k.pem" }),
        ("identity.key_provider", "\"tpm2\"", "tpm2", { $0.keyProvider = "tpm2" }),
        ("identity.key_passphrase_file", "\"pass\"", "pass", { $0.keyPassphrasePath = "pass" }),
        ("tls.ca_file", "\"ca.pem\"", "ca.pem", { $0.trustedCAPath = "ca.pem" }),
        ("tls.ca_dir", "\"certs\"", "certs", { $0.trustedCADirectory = "certs" }),
        ("network.proxy", "\"http://proxy:3128\"", "http://proxy:3128", { $0.proxy = "http://proxy:3128" }),
        ("network.connect_timeout", "2s", "2s", { $0.connectTimeoutMilliseconds = 2_000 }),
        ("network.io_timeout", "500ms", "500ms", { $0.ioTimeoutMilliseconds = 500 }),
        ("telemetry.interval", "5m", "5m", { $0.intervalMilliseconds = 300_000 }),
        ("telemetry.count", "1_000", "1_000", { $0.count = 1_000 }),
        ("telemetry.include", "[\"humidity\"]", "humidity", { $0.includeHumidity = true }),
        ("telemetry.properties", "[\"site=a\", \"room=b\"]", "site=a,room=b", { $0.properties = ["site=a", "room=b"] }),
        ("telemetry.backlog_limit", "10", "10", { $0.backlogLimit = 10 }),
        ("state.directory", "\"state\"", "state", { $0.stateDirectory = "state" }),
        ("spool.max_bytes", "65_536", "65536", { $0.spoolMaximumBytes = 65_536 }),
        ("spool.sync_every", "0", "0", { $0.spoolSyncEvery = 0 }),
        ("sensor.type", "\"bme280@1:0x77\"", "bme280@1:0x77", { $0.sensor.spec = .i2c(.bme280, bus: 1, address: I2CAddress(0x77)!) }),
        ("sensor.power_line", "\"GPIO17\"", "GPIO17", { $0.sensor.powerLine = "GPIO17" }),
        ("sensor.alert_line", "\"GPIO27\"", "GPIO27", { $0.sensor.alertLine = "GPIO27" }),
        ("status.led_line", "\"GPIO22\"", "GPIO22", { $0.statusLEDLine = "GPIO22" }),
        ("log.level", "\"debug\"", "debug", { $0.logLevel = .debug }),
    ]

    @Test func theSamples_coverEverySetting() {
        #expect(Self.samples.map(\.key) == SettingKey.allCases.map(\.description))
    }

    @Test(arguments: ConfigurationTests.samples.indices)
    func everySetting_roundTripsFromFileEnvironmentAndFlag(index: Int) throws {
        let sample = Self.samples[index]
        let setting = try #require(Configuration.key(forFileKey: sample.key)).setting
        var expected = RunOptions()
        sample.change(&expected)
        #expect(expected != RunOptions())
        let dot = sample.key.firstIndex(of: ".")!
        let file = "[\(sample.key[..<dot])]\n\(sample.key[sample.key.index(after: dot)...]) = \(sample.file)\n"
        #expect(try Self.resolve(file) == expected)
        #expect(try Self.resolve(nil, environment: [setting.environmentName: sample.text]) == expected)
        #expect(try Self.resolve(nil, flags: [setting.flag, sample.text]) == expected)
    }

    @Test func namesFollowOneRule() throws {
        let key = try #require(Configuration.key(forFlag: "--sensor-power"))
        #expect(key == .sensorPowerLine)
        #expect(key.setting.fileKey == "sensor.power_line")
        #expect(key.description == "sensor.power_line")
        #expect(key.setting.environmentName == "KELVIN_SENSOR_POWER_LINE")
        let environmentNames = SettingKey.allCases.map(\.setting.environmentName)
        #expect(environmentNames.contains("KELVIN_IDENTITY_KEY_PASSPHRASE_FILE"))
        #expect(!environmentNames.contains(Configuration.passphraseVariable))
        #expect(Configuration.key(forFlag: "--config") == nil)
        #expect(Configuration.key(forFileKey: "telemetry.intervall") == nil)
    }

    // MARK: the help

    /// Each setting's default in the help is text the setting takes, and taking it puts back
    /// exactly `RunOptions()`'s value: over the sample's change, so that a default naming the
    /// wrong field or the wrong value fails.
    @Test(arguments: ConfigurationTests.samples.indices)
    func theHelpsDefault_isRunOptionsDefault(index: Int) throws {
        let sample = Self.samples[index]
        let key = try #require(Configuration.key(forFileKey: sample.key))
        guard case .value(let text, _) = key.setting.defaultValue else { return }
        var options = RunOptions()
        sample.change(&options)
        try Configuration.apply([Configuration.flagInput(key, text: text)], to: &options)
        #expect(options == RunOptions())
        #expect(CommandLineParser.helpText.contains("(default: \(text)"))
    }

    @Test func theHelp_hasEveryFlag_andTheOtherOptionsDefaults() {
        let help = CommandLineParser.helpText
        for key in SettingKey.allCases {
            #expect(help.contains("  \(key.setting.flag) \(key.setting.placeholder)"))
        }
        #expect(help.contains("(default: /etc/kelvin/kelvin.conf, when it exists)"))
        #expect(help.contains("  --count <n>             Readings to send. (default: 1)"))
        #expect(help.contains("  --interval <seconds>    Time between readings; 0 sends back to back. (default: 0)"))
        #expect(help.contains("  --count <n>             Readings to print. (default: 1)"))
        #expect(help.contains("  --interval <seconds>    Time between readings. (default: 1)"))
        #expect(help.contains("  --bus <n>               The I²C bus, /dev/i2c-N. (default: 1)"))
        #expect(help.contains("OPTIONS (send): --cert, --key, --key-provider, --key-passphrase-file, --ca-file,"))
        #expect(help.contains("OPTIONS (read): --config, --sensor and --sensor-power as for run, and:"))
        #expect(help.contains("interval under [telemetry] is telemetry.interval, KELVIN_TELEMETRY_INTERVAL and"))
        let overview = help.split(separator: "\n").first.map(String.init) ?? ""
        for line in help.split(separator: "\n") where line != overview {
            #expect(line.count <= 89, "\(line)")
        }
    }

    // MARK: bad files

    static let forms = "simulated[:BASE[:SWING[:NOISE]]], bme280|bmp280|sht3x|sht4x|tmp117|tmp102|mcp9808|lm75[@BUS][:ADDRESS], hwmon:NAME[:CHANNEL], iio:NAME, thermal[:TYPE], ds18b20[:ID]"
    static let sections = "dps, hub, identity, tls, network, telemetry, state, spool, sensor, status, log"
    static let anyValue = "expected a \"string\", a whole number, true or false, a duration like 30s, or [\"a\", \"b\"]"

    static let badFiles: [(file: String, error: String)] = [
        ("interval = 30s", "kelvin.conf:1: interval is not under a [section]; the sections are \(sections)"),
        ("dps.endpoint = \"x\"", "kelvin.conf:1: dps.…: dotted keys are not supported; write the part before the dot as a [section] header"),
        ("[telemtry]\ninterval = 30s", "kelvin.conf:2: unknown section [telemtry] (key telemtry.interval); the sections are \(sections)"),
        ("[telemetry]\nintervall = 30s", "kelvin.conf:2: unknown key telemetry.intervall; [telemetry] has interval, count, include, properties, backlog_limit"),
        ("[telemetry]\ninterval = \"fast\"", "kelvin.conf:2: telemetry.interval = \"fast\": expected a duration like 30s or 5m, from 1ms to 24h"),
        ("[telemetry]\ninterval = 30", "kelvin.conf:2: telemetry.interval = 30: expected a duration like 30s or 5m, from 1ms to 24h"),
        ("[telemetry]\ninterval = 0s", "kelvin.conf:2: telemetry.interval = 0s: expected a duration like 30s or 5m, from 1ms to 24h"),
        ("[telemetry]\ninterval = 25h", "kelvin.conf:2: telemetry.interval = 25h: expected a duration like 30s or 5m, from 1ms to 24h"),
        ("[hub]\nreprovision_interval = -5s", "kelvin.conf:2: hub.reprovision_interval = -5s: \(anyValue)"),
        ("[telemetry]\ncount = -1", "kelvin.conf:2: telemetry.count = -1: expected a whole number from 0 to 1000000000"),
        ("[telemetry]\ncount = \"5\"", "kelvin.conf:2: telemetry.count = \"5\": expected a whole number from 0 to 1000000000"),
        ("[telemetry]\ncount = 5.5", "kelvin.conf:2: telemetry.count = 5.5: \(anyValue)"),
        ("[telemetry]\ncount = 012", "kelvin.conf:2: telemetry.count = 012: \(anyValue)"),
        ("[telemetry]\ncount = 1__000", "kelvin.conf:2: telemetry.count = 1__000: \(anyValue)"),
        ("[telemetry]\ncount = 99999999999999999999", "kelvin.conf:2: telemetry.count = 99999999999999999999: the number is too large"),
        ("[telemetry]\nbacklog_limit = 0", "kelvin.conf:2: telemetry.backlog_limit = 0: expected a whole number from 1 to 1000000"),
        ("[spool]\nmax_bytes = 1024", "kelvin.conf:2: spool.max_bytes = 1024: expected a whole number from 4096 to 1073741824"),
        ("[spool]\nsync_every = true", "kelvin.conf:2: spool.sync_every = true: expected a whole number from 0 to 1000000"),
        ("[telemetry]\ninterval = 30s\ninterval = 1m", "kelvin.conf:3: telemetry.interval is set again (first on line 2); keep one"),
        ("[dps]\n[hub]\n[dps]", "kelvin.conf:3: [dps] appears again (first on line 1); put its keys under one header"),
        ("[dps", "kelvin.conf:1: [dps: expected a section header like [telemetry] (one level, letters, digits, _ and - only)"),
        ("[dps.tls]", "kelvin.conf:1: [dps.tls]: expected a section header like [telemetry] (one level, letters, digits, _ and - only)"),
        ("[[dps]]", "kelvin.conf:1: [[dps]]: expected a section header like [telemetry] (one level, letters, digits, _ and - only)"),
        ("[dps] endpoint = \"x\"", "kelvin.conf:1: [dps] endpoint = \"x\": expected a section header like [telemetry] (one level, letters, digits, _ and - only)"),
        ("[dps]\nendpoint \"x\"", "kelvin.conf:2: endpoint \"x\": expected key = value, a [section] header or a # comment"),
        ("[dps]\n= \"x\"", "kelvin.conf:2: = \"x\": expected key = value, a [section] header or a # comment"),
        ("[dps]\nendpoint =", "kelvin.conf:2: dps.endpoint has no value; write key = value, e.g. interval = 30s"),
        ("[dps]\nendpoint = # later", "kelvin.conf:2: dps.endpoint has no value; write key = value, e.g. interval = 30s"),
        ("[dps]\nendpoint = \"x", "kelvin.conf:2: dps.endpoint: the string has no closing \"; strings end on the line they start"),
        ("[dps]\nendpoint = \"a\\qb\"", "kelvin.conf:2: dps.endpoint: \\q is not an escape here; use \\\" \\\\ \\n or \\t"),
        ("[dps]\nendpoint = \"a\u{1}b\"", "kelvin.conf:2: dps.endpoint: a control character in a string; write tabs and newlines as \\t and \\n"),
        ("[dps]\nendpoint = 'x'", "kelvin.conf:2: dps.endpoint = 'x': \(anyValue)"),
        ("[dps]\nendpoint = \"a\" \"b\"", "kelvin.conf:2: dps.endpoint: unexpected \"b\" after the value; one value per line, then an optional # comment"),
        ("[dps]\nendpoint = \"a b\"", "kelvin.conf:2: dps.endpoint = \"a b\": expected host or host:port, e.g. global.azure-devices-provisioning.net"),
        ("[dps]\nid_scope = \"\"", "kelvin.conf:2: dps.id_scope = \"\": expected a non-empty \"string\""),
        ("[dps]\napi_version = \"2021-13-01\"", "kelvin.conf:2: dps.api_version = \"2021-13-01\": expected an api-version such as 2021-06-01 or 2025-07-01-preview"),
        ("[dps]\npayload = \"[1]\"", "kelvin.conf:2: dps.payload = \"[1]\": the provisioning payload must be a JSON object ({…}), as DPS passes it to the allocation policy"),
        ("[identity]\ncertificate = true", "kelvin.conf:2: identity.certificate = true: expected a non-empty \"string\""),
        ("[telemetry]\ninclude = [\"humidity\", \"wind\"]", "kelvin.conf:2: telemetry.include = [\"humidity\", \"wind\"]: expected a list of humidity, pressure"),
        ("[telemetry]\ninclude = \"humidity\"", "kelvin.conf:2: telemetry.include = \"humidity\": expected a list of humidity, pressure"),
        ("[telemetry]\ninclude = [\"humidity\"", "kelvin.conf:2: telemetry.include: the array has no closing ]; arrays are written on one line"),
        ("[telemetry]\ninclude = [humidity]", "kelvin.conf:2: telemetry.include: arrays hold double-quoted strings separated by commas, e.g. [\"a\", \"b\"]"),
        ("[telemetry]\nproperties = [\"room\"]", "kelvin.conf:2: telemetry.properties = [\"room\"]: application property \"room\" has no '='; write it as NAME=VALUE"),
        ("[telemetry]\nproperties = \"site=a\"", "kelvin.conf:2: telemetry.properties = \"site=a\": expected a list of \"NAME=VALUE\" strings"),
        ("[sensor]\ntype = \"bme680\"", "kelvin.conf:2: sensor.type = \"bme680\": no driver for \"bme680\"; use one of \(forms)"),
        ("[sensor]\ntype = 5", "kelvin.conf:2: sensor.type = 5: expected a \"string\" naming the sensor, e.g. \"bme280@1:0x76\""),
        ("[status]\nled_line = \"\"", "kelvin.conf:2: status.led_line = \"\": expected a non-empty \"string\""),
        ("[dps]\n#" + String(repeating: "x", count: 1024), "kelvin.conf:2: line longer than 1024 bytes; shorten it"),
        (String(repeating: "#\n", count: 40_000), "kelvin.conf: larger than 65536 bytes; is it the right file?"),
    ]

    @Test(arguments: ConfigurationTests.badFiles.indices)
    func aBadFile_isOneLineNamingTheLine(index: Int) {
        let (file, error) = Self.badFiles[index]
        #expect(throws: ConfigurationError(error)) { try Self.resolve(file) }
    }

    @Test func aFileThatIsNotUTF8_saysSo() {
        #expect(throws: ConfigurationError("kelvin.conf:2: not UTF-8 text; save the file as UTF-8")) {
            try Configuration.resolve(file: Array("[dps]\n# caf".utf8) + [0xE9], path: "kelvin.conf", environment: { _ in nil }, flags: [])
        }
    }

    // MARK: the example in board/

    private static func example() throws -> String {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("board/kelvin.conf")
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func theExample_parsesAsShipped_andWithEveryKeyUncommented() throws {
        let text = try Self.example()
        #expect(try Self.resolve(text) == RunOptions())

        // Every commented `# key = value` line, made live: the example documents each key once,
        // with a value that the key takes.
        let live = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("# "), let equals = line.range(of: " = "),
                  line[line.index(line.startIndex, offsetBy: 2)..<equals.lowerBound].allSatisfy({ $0.isLowercase || $0 == "_" }) else {
                return String(line)
            }
            return String(line.dropFirst(2))
        }.joined(separator: "\n")
        let entries = try ConfigFile.parse(Array(live.utf8), path: "kelvin.conf")
        #expect(entries.map(\.dottedKey) == SettingKey.allCases.map(\.description))
        _ = try Self.resolve(live)
    }
}
