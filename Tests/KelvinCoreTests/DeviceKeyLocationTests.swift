import Agent
import Testing

@Suite struct DeviceKeyLocationTests {
    private static func resolve(file: String, environment: [String: String] = [:], flags: [String] = []) throws -> RunOptions {
        let command = try CommandLineParser.parse(["kelvin", "run"] + flags)
        guard case .run(let request) = command else { throw ConfigurationError("not a run") }
        return try Configuration.resolve(
            file: Array(file.utf8), path: "kelvin.conf", environment: { environment[$0] }, flags: request.flags)
    }

    @Test func aKeyWithoutProviderIsAFile() throws {
        #expect(try DeviceKeyLocation.resolve(key: "device-key.pem", provider: nil) == .file(path: "device-key.pem"))
    }

    @Test func aHandleWithTheTPMProviderIsHeldThere() throws {
        let location = try DeviceKeyLocation.resolve(key: "handle:0x81000001", provider: "tpm2")
        #expect(location == .provider(name: "tpm2", uri: "handle:0x81000001"))
        #expect(location.description == "handle:0x81000001 in the OpenSSL provider tpm2")
    }

    @Test func anotherProvidersURIIsPassedAsWritten() throws {
        let uri = "pkcs11:token=dev;object=device"
        #expect(try DeviceKeyLocation.resolve(key: uri, provider: "pkcs11") == .provider(name: "pkcs11", uri: uri))
    }

    @Test func aHandleWithoutProviderSaysWhichSettingIsMissing() {
        #expect(throws: DeviceKeyProblem.handleWithoutProvider("handle:0x81000001")) {
            try DeviceKeyLocation.resolve(key: "handle:0x81000001", provider: nil)
        }
        #expect(DeviceKeyProblem.handleWithoutProvider("handle:0x81000001").description.contains("--key-provider tpm2"))
    }

    @Test func aFileNameWithAProviderIsRefused() {
        #expect(throws: DeviceKeyProblem.notAURI("device-key.pem", provider: "tpm2")) {
            try DeviceKeyLocation.resolve(key: "device-key.pem", provider: "tpm2")
        }
    }

    @Test(arguments: ["handle:0x80000001", "handle:0x1", "handle:", "handle:0x8100000g", "handle:0x810000011"])
    func handlesOutsideThePersistentRangeAreRefused(_ key: String) {
        #expect(throws: DeviceKeyProblem.invalidHandle(key)) { try DeviceKeyLocation.resolve(key: key, provider: "tpm2") }
    }

    @Test(arguments: ["handle:0x81000000", "handle:81ffffff", "handle:0X81ABCDEF"])
    func persistentHandlesAreAccepted(_ key: String) throws {
        #expect(try DeviceKeyLocation.resolve(key: key, provider: "tpm2") == .provider(name: "tpm2", uri: key))
    }

    @Test func theProviderComesFromTheFileTheEnvironmentOrAFlag() throws {
        let file = """
            [identity]
            key = "handle:0x81000001"
            key_provider = "tpm2"
            """
        #expect(try Self.resolve(file: file).keyProvider == "tpm2")
        #expect(try Self.resolve(file: file).keyPath == "handle:0x81000001")
        let fromEnvironment = try Self.resolve(file: "", environment: ["KELVIN_IDENTITY_KEY_PROVIDER": "tpm2"])
        #expect(fromEnvironment.keyProvider == "tpm2")
        let fromFlag = try Self.resolve(file: file, flags: ["--key-provider", "other", "--key", "handle:0x81000002"])
        #expect(fromFlag.keyProvider == "other")
        #expect(fromFlag.keyPath == "handle:0x81000002")
        #expect(try Self.resolve(file: "").keyProvider == nil)
    }

    @Test func sendTakesTheProviderToo() throws {
        let command = try CommandLineParser.parse([
            "kelvin", "send", "--hub", "hub:443", "--key-provider", "tpm2", "--key", "handle:0x81000001",
        ])
        guard case .send(let options) = command else {
            Issue.record("not a send: \(command)")
            return
        }
        #expect(options.connection.keyProvider == "tpm2")
    }

    // MARK: kelvin key

    @Test func keyCreateTakesAHandleAndDefaultsToTheFirst() throws {
        #expect(try CommandLineParser.parse(["kelvin", "key", "create", "--tpm"]) == .key(.create(handle: "0x81000001")))
        #expect(
            try CommandLineParser.parse(["kelvin", "key", "create", "--tpm", "--handle", "0x81000002"])
                == .key(.create(handle: "0x81000002")))
    }

    @Test func keyCreateNeedsTPMAndAPersistentHandle() {
        #expect(throws: UsageError.missingOption("--tpm", command: "key create")) {
            try CommandLineParser.parse(["kelvin", "key", "create"])
        }
        #expect(throws: UsageError.self) { try CommandLineParser.parse(["kelvin", "key", "create", "--tpm", "--handle", "0x1"]) }
        #expect(throws: UsageError.self) { try CommandLineParser.parse(["kelvin", "key", "rotate"]) }
    }

    @Test func keyCSRTakesTheRegistrationIDTheOutputAndTheKeySettings() throws {
        let command = try CommandLineParser.parse([
            "kelvin", "key", "csr", "--registration-id", "sensor-1", "--out", "device.csr",
            "--key-provider", "tpm2", "--key", "handle:0x81000001",
        ])
        guard case .key(.request(let options)) = command else {
            Issue.record("not a key csr: \(command)")
            return
        }
        #expect(options.registrationID == "sensor-1")
        #expect(options.outputPath == "device.csr")
        #expect(options.configuration.flags.map(\.key) == [.keyProvider, .privateKey])
    }

    @Test func keyCSRRefusesARegistrationIDDPSWouldRefuse() {
        #expect(throws: UsageError.self) {
            try CommandLineParser.parse(["kelvin", "key", "csr", "--registration-id", "two words", "--out", "x.csr"])
        }
        #expect(throws: UsageError.missingOption("--out", command: "key csr")) {
            try CommandLineParser.parse(["kelvin", "key", "csr", "--registration-id", "sensor-1"])
        }
    }

    @Test func keyCSRTakesNoOtherSetting() {
        #expect(throws: UsageError.unknownOption("--interval", command: "key")) {
            try CommandLineParser.parse(["kelvin", "key", "csr", "--registration-id", "a", "--out", "x", "--interval", "5"])
        }
    }
}
