import Agent
import Sensors
import Testing
import Wire

@Suite struct CommandLineParserTests {
    @Test func run_takesEveryOption() throws {
        let command = try CommandLineParser.parse([
            "kelvin", "run", "--dps", "localhost:1", "--id-scope", "0ne1", "--cert", "c.pem", "--key", "k.pem",
            "--key-passphrase-file", "p", "--ca-file", "ca.pem", "--count", "3", "--interval", "0.5",
            "--connect-timeout", "2", "--io-timeout", "3", "--provisioning-timeout", "30", "--proxy", "http://proxy:3128",
        ])
        guard case .run(let request) = command else {
            Issue.record("not a run: \(command)")
            return
        }
        #expect(request.path == "/etc/kelvin/kelvin.conf")
        #expect(!request.isExplicit)
        var expected = RunOptions()
        expected.dpsEndpoint = "localhost:1"
        expected.idScope = "0ne1"
        expected.certificatePath = "c.pem"
        expected.keyPath = "k.pem"
        expected.keyPassphrasePath = "p"
        expected.trustedCAPath = "ca.pem"
        expected.proxy = "http://proxy:3128"
        expected.count = 3
        expected.intervalMilliseconds = 500
        expected.connectTimeoutMilliseconds = 2_000
        expected.ioTimeoutMilliseconds = 3_000
        expected.provisioningTimeoutMilliseconds = 30_000
        #expect(try Configuration.resolve(file: nil, path: "kelvin.conf", environment: { _ in nil }, flags: request.flags) == expected)
    }

    @Test func send_sharesTheConnectionOptionsAndNeedsAHub() throws {
        let command = try CommandLineParser.parse([
            "kelvin", "send", "--hub", "hub.example:8443", "--device", "d-1", "--count", "500", "--interval", "0",
            "--cert", "c.pem", "--key", "k.pem", "--ca-dir", "/etc/ssl/certs", "--io-timeout", "3", "--reconnect-each",
        ])
        var expected = SendOptions()
        expected.hubEndpoint = "hub.example:8443"
        expected.deviceID = "d-1"
        expected.count = 500
        expected.intervalMilliseconds = 0
        expected.connection.certificatePath = "c.pem"
        expected.connection.keyPath = "k.pem"
        expected.connection.trustedCADirectory = "/etc/ssl/certs"
        expected.connection.ioTimeoutMilliseconds = 3_000
        expected.reconnectEach = true
        #expect(command == .send(expected))
        #expect(throws: UsageError.missingOption("--hub", command: "send")) { try CommandLineParser.parse(["kelvin", "send"]) }
        #expect(throws: UsageError.unknownOption("--dps", command: "send")) {
            try CommandLineParser.parse(["kelvin", "send", "--hub", "h", "--dps", "x"])
        }
        #expect(throws: UsageError.invalidValue("--count", "0", expected: "a whole number from 1 to 1000000000")) {
            try CommandLineParser.parse(["kelvin", "send", "--hub", "h", "--count", "0"])
        }
    }

    @Test func helpVersionAndRead() throws {
        #expect(try CommandLineParser.parse(["kelvin"]) == .help)
        #expect(try CommandLineParser.parse(["kelvin", "--help"]) == .help)
        #expect(try CommandLineParser.parse(["kelvin", "--version"]) == .version)
        var read = ReadOptions()
        read.count = 2
        #expect(try CommandLineParser.parse(["kelvin", "read", "--count", "2"]) == .read(read, configuration: ConfigurationRequest()))
        let command = try CommandLineParser.parse(["kelvin", "read", "--count", "2", "--sensor", "sht4x@3", "--sensor-power", "GPIO17", "--config", "k.conf"])
        guard case .read(let options, let request) = command else {
            Issue.record("not a read: \(command)")
            return
        }
        #expect(options == read)
        #expect(request.path == "k.conf")
        #expect(request.isExplicit)
        let sensor = try Configuration.resolve(file: nil, path: "k.conf", environment: { _ in nil }, flags: request.flags).sensor
        #expect(sensor.spec == .i2c(.sht4x, bus: 3, address: I2CAddress(0x44)!))
        #expect(sensor.powerLine == "GPIO17")
        #expect(throws: UsageError.unknownOption("--alert", command: "read")) { try CommandLineParser.parse(["kelvin", "read", "--alert", "GPIO4"]) }
        #expect(try CommandLineParser.parse(["kelvin", "scan", "--bus", "0"]) == .scan(bus: 0))
        #expect(throws: UsageError.invalidSetting(ConfigurationError(
            "--sensor bme680: no driver for \"bme680\"; use one of simulated[:BASE[:SWING[:NOISE]]], "
                + "bme280|bmp280|sht3x|sht4x|tmp117|tmp102|mcp9808|lm75[@BUS][:ADDRESS], hwmon:NAME[:CHANNEL], iio:NAME, thermal[:TYPE], ds18b20[:ID]"
        ))) { try CommandLineParser.parse(["kelvin", "run", "--sensor", "bme680"]) }
    }

    @Test func mistakes_nameTheOption() {
        #expect(throws: UsageError.unknownCommand("fly")) { try CommandLineParser.parse(["kelvin", "fly"]) }
        #expect(throws: UsageError.unknownOption("--colour", command: "run")) { try CommandLineParser.parse(["kelvin", "run", "--colour"]) }
        #expect(throws: UsageError.missingValue("--cert")) { try CommandLineParser.parse(["kelvin", "run", "--cert"]) }
        #expect(throws: UsageError.missingValue("--cert")) { try CommandLineParser.parse(["kelvin", "run", "--cert", "--key"]) }
        #expect(throws: UsageError.invalidSetting(ConfigurationError("--count many: expected a whole number from 0 to 1000000000"))) {
            try CommandLineParser.parse(["kelvin", "run", "--count", "many"])
        }
        #expect(throws: UsageError.invalidSetting(ConfigurationError("--interval 0.0001: expected a duration like 30s or 5m, from 1ms to 24h"))) {
            try CommandLineParser.parse(["kelvin", "run", "--interval", "0.0001"])
        }
        #expect(throws: UsageError.missingValue("--config")) { try CommandLineParser.parse(["kelvin", "provision", "--config"]) }
        #expect(throws: UsageError.unknownOption("--config", command: "send")) {
            try CommandLineParser.parse(["kelvin", "send", "--hub", "h", "--config", "k.conf"])
        }
    }
}

@Suite struct SimulatedSensorTests {
    @Test func sameSeed_sameReadings_differentSeed_differentReadings() {
        var first = SimulatedSensor()
        var second = SimulatedSensor()
        var other = SimulatedSensor(settings: .init(seed: 42))
        let a = (0..<10).map { _ in first.read() }
        let b = (0..<10).map { _ in second.read() }
        let c = (0..<10).map { _ in other.read() }
        #expect(a == b)
        #expect(a != c)
    }

    @Test func readings_stayWithinSwingAndNoise() {
        let settings = SimulatedSensor.Settings(base: Millidegrees(20_000), swing: 1_000, period: 10, noise: 100)
        var sensor = SimulatedSensor(settings: settings)
        for _ in 0..<100 {
            let value = sensor.read().value
            #expect(value >= 18_900 && value <= 21_100)
        }
    }

    @Test func noiselessWave_isATriangle() {
        var sensor = SimulatedSensor(settings: .init(base: Millidegrees(0), swing: 1_000, period: 4, noise: 0))
        #expect((0..<5).map { _ in sensor.read().value } == [-1_000, 0, 1_000, 0, -1_000])
    }
}
