import Foundation
import KelvinCloud
import Testing

@testable import kelvin_cloud

/// `kelvin-cloud pki …`: what is parsed, and the one line and exit status for each bad input.
@Suite struct PKICommandLineTests {
    private func device(_ arguments: [String]) throws -> PKIOptions {
        try KelvinCloudCommandLine.parse(["pki", "device"] + arguments, as: PKIDeviceCommand.self).options()
    }

    private func chain(_ arguments: [String]) throws -> PKIOptions {
        try KelvinCloudCommandLine.parse(["pki", "chain"] + arguments, as: PKIChainCommand.self).options()
    }

    private func server(_ arguments: [String]) throws -> PKIOptions {
        try KelvinCloudCommandLine.parse(["pki", "server"] + arguments, as: PKIServerCommand.self).options()
    }

    @Test func deviceWithEveryOption_isParsed() throws {
        let options = try device([
            "--dir", "ids", "--registration-id", "sensor-1", "--name", "sensor",
            "--key=rsa4096", "--passphrase-file", "secret.txt", "--days", "7",
        ])
        #expect(
            options
                == .device(
                    PKIDeviceOptions(
                        directory: "ids",
                        registrationID: "sensor-1",
                        name: "sensor",
                        keyAlgorithm: .rsa4096,
                        passphraseSource: .file("secret.txt"),
                        days: 7
                    )
                )
        )
    }

    @Test func sign_isParsedWithItsDefaultValidity() throws {
        #expect(
            try KelvinCloudCommandLine.parse(
                ["pki", "sign", "--dir", "ids", "--csr", "device.csr", "--out", "device-cert.pem"], as: PKISignCommand.self
            ).options() == .sign(PKISignOptions(directory: "ids", requestFile: "device.csr", outputFile: "device-cert.pem"))
        )
        #expect(
            try KelvinCloudCommandLine.parse(
                ["pki", "sign", "--dir", "ids", "--csr", "d.csr", "--out", "d.pem", "--days", "90"], as: PKISignCommand.self
            ).options() == .sign(PKISignOptions(directory: "ids", requestFile: "d.csr", outputFile: "d.pem", days: 90))
        )
    }

    @Test func chainAndServer_areParsedWithDefaults() throws {
        #expect(
            try chain(["--dir", "ids", "--registration-id", "sensor-1"])
                == .chain(PKIDeviceOptions(directory: "ids", registrationID: "sensor-1"))
        )
        #expect(
            try chain(["--dir", "ids", "--registration-id", "sensor-1", "--passphrase-env", "KEY_PASS"])
                == .chain(
                    PKIDeviceOptions(
                        directory: "ids",
                        registrationID: "sensor-1",
                        passphraseSource: .environmentVariable("KEY_PASS")
                    )
                )
        )
        #expect(try server(["--dir", "ids"]) == .server(directory: "ids"))
        #expect(
            try server(["--dir", "ids", "--server-name", "a.test", "--server-name=b.test"])
                == .server(directory: "ids", names: ["a.test", "b.test"])
        )
        #expect(
            try server(["--dir", "ids", "--ip", "192.168.1.20", "--ip=fd00::7"])
                == .server(directory: "ids", addresses: [[192, 168, 1, 20], [0xFD] + Array(repeating: 0, count: 14) + [7]])
        )
        #expect(KelvinCloudCommand.run(arguments: ["pki", "device", "--help"]) == ExitStatus.success)
    }

    @Test(arguments: [
        (["pki", "--dir", "ids"], "Unknown option '--dir'"),
        (["pki", "ca"], "Unexpected argument 'ca'"),
        (["pki", "device", "--registration-id", "d"], "Missing expected argument '--dir <dir>'"),
        (["pki", "device", "--dir", "ids"], "Missing expected argument '--registration-id <id>'"),
        (["pki", "sign", "--dir", "ids", "--out", "c.pem"], "Missing expected argument '--csr <request.csr>'"),
        (["pki", "sign", "--dir", "ids", "--csr", "d.csr"], "Missing expected argument '--out <cert.pem>'"),
        (["pki", "server", "--dir", "ids", "--server-name", "hub_1.test"], "--server-name needs a DNS name such as kelvin-hub.test, not 'hub_1.test'"),
        (["pki", "server", "--dir", "ids", "--ip", "192.168.1"], "--ip needs an IP address such as 0.0.0.0 or 192.168.1.20, not '192.168.1'"),
        (["pki", "device", "--dir", "ids", "--registration-id", "d", "--key", "dsa"], "--key must be ec or rsa4096, not 'dsa'"),
        (
            ["pki", "device", "--dir", "ids", "--registration-id", "d", "--passphrase-file", "f", "--passphrase-env", "V"],
            "give either --passphrase-file or --passphrase-env, not both"
        ),
        (
            ["pki", "device", "--dir", "ids", "--registration-id", "d", "--passphrase", "hunter2"],
            "--passphrase is not accepted, because every user can read the command line; "
                + "use --passphrase-file FILE or --passphrase-env VAR"
        ),
        (
            ["pki", "device", "--dir", "ids", "--registration-id", "d", "--passphrase-env", "P=hunter2"],
            "--passphrase-env needs the name of an environment variable, such as PASSPHRASE"
        ),
        (
            ["pki", "chain", "--dir", "ids", "--registration-id", "d", "--name", "root-ca"],
            "--name root-ca would overwrite the server or CA files; choose another"
        ),
        (
            ["pki", "device", "--dir", "ids", "--registration-id", "d", "--name", "keys/d"],
            "--name is a file name prefix such as sensor-1, not 'keys/d'"
        ),
        (
            ["pki", "device", "--dir", "ids", "--registration-id", "d", "--days", "0"],
            "--days needs a whole number in 1...36500, not '0'"
        ),
        (
            ["pki", "device", "--dir", "ids", "--registration-id", "bad id"],
            "--registration-id 'bad id' is not a DPS registration ID: use letters, digits and - . _ : "
                + "(ending in a letter, digit or -), at most 128"
        ),
    ])
    func badPKIArguments_areUsageErrors(arguments: [String], message: String) {
        #expect(KelvinCloudCommandLine.refusal(arguments) == message)
        #expect(KelvinCloudCommand.run(arguments: arguments) == ExitStatus.usage)
    }

    @Test func pkiWithoutAKind_isAUsageError() {
        #expect(KelvinCloudCommand.run(arguments: ["pki"]) == ExitStatus.usage)
    }

    @Test func deviceOptionForTheServer_isAnUnknownOption() {
        // ArgumentParser may add a "Did you mean" suggestion.
        let refusal = KelvinCloudCommandLine.refusal(["pki", "server", "--dir", "ids", "--key", "ec"])
        #expect(refusal?.hasPrefix("Unknown option '--key'") == true, "\(refusal ?? "accepted")")
    }

    @Test func passphraseFile_losesItsLineEndAndIsRefusedWhenMissingOrEmpty() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.file("passphrase")
        try "1234\r\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try PKICommand.passphrase(from: .file(file), environment: [:]) == Array("1234".utf8))
        #expect(try PKICommand.passphrase(from: nil, environment: [:]) == nil)

        let missing = #expect(throws: PassphraseProblem.self) {
            try PKICommand.passphrase(from: .file(directory.file("absent")), environment: [:])
        }
        #expect(missing?.exitCode == 66)
        #expect(missing?.message.hasPrefix("\(directory.file("absent")): cannot read the passphrase file") == true)

        try "\n".write(toFile: file, atomically: true, encoding: .utf8)
        let empty = #expect(throws: PassphraseProblem.self) {
            try PKICommand.passphrase(from: .file(file), environment: [:])
        }
        #expect(empty?.exitCode == 64)
        #expect(empty?.message.hasPrefix("\(file): the passphrase file is empty") == true)
    }

    @Test func passphraseVariable_isReadAndRefusedWhenUnsetOrEmpty() throws {
        #expect(
            try PKICommand.passphrase(from: .environmentVariable("KEY_PASS"), environment: ["KEY_PASS": "s3cret"])
                == Array("s3cret".utf8)
        )
        let unset = #expect(throws: PassphraseProblem.self) {
            try PKICommand.passphrase(from: .environmentVariable("KEY_PASS"), environment: [:])
        }
        #expect(unset?.exitCode == 64)
        #expect(unset?.message.hasPrefix("the environment variable KEY_PASS is not set") == true)
        let empty = #expect(throws: PassphraseProblem.self) {
            try PKICommand.passphrase(from: .environmentVariable("KEY_PASS"), environment: ["KEY_PASS": ""])
        }
        #expect(empty?.message.hasPrefix("the environment variable KEY_PASS is empty") == true)
    }

    @Test func exitStatus_tellsUsageFromMissingInputFromUnwritableDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let notADirectory = directory.file("plain-file")
        try "x".write(toFile: notADirectory, atomically: true, encoding: .utf8)
        let device = ["pki", "device", "--registration-id", "sensor-1"]

        #expect(KelvinCloudCommand.run(arguments: device + ["--dir", directory.path, "--key", "dsa"]) == 64)
        #expect(
            KelvinCloudCommand.run(
                arguments: device + ["--dir", directory.path, "--passphrase-file", directory.file("absent")]
            ) == 66
        )
        // A path below a regular file cannot be created, whoever runs the test.
        #expect(KelvinCloudCommand.run(arguments: device + ["--dir", notADirectory + "/ids"]) == 73)
        #expect(!FileManager.default.fileExists(atPath: directory.file("device-key.pem")))
    }

    @Test func deviceWithPassphraseVariable_writesAnEncryptedKeyAndSucceeds() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let options = try device([
            "--dir", directory.path, "--registration-id", "sensor-1", "--passphrase-env", "KEY_PASS",
        ])
        #expect(PKICommand.write(options, environment: ["KEY_PASS": "s3cret"]) == 0)
        let key = try String(contentsOfFile: directory.file("device-key.pem"), encoding: .utf8)
        #expect(key.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        let opened = try OpenSSL.run(["pkey", "-in", directory.file("device-key.pem"), "-passin", "pass:s3cret", "-noout"])
        #expect(opened.exitCode == 0)
    }
}
