import Foundation
import KelvinCloud

/// Writing the identity files and saying which were created or kept.
extension PKICommand {
    static func write(_ options: PKIOptions, environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        do {
            switch options {
            case .server(let directory, let names, let addresses):
                InitCommand.describe(
                    try TestIdentity.createServerIdentity(in: directory, extraNames: names, extraAddresses: addresses)
                )
            case .device(let options):
                let device = try TestIdentity.createSelfSignedDevice(
                    registrationID: options.registrationID,
                    name: options.name,
                    in: options.directory,
                    keyAlgorithm: options.keyAlgorithm,
                    passphrase: try passphrase(from: options.passphraseSource, environment: environment),
                    validity: .days(options.days)
                )
                describe(device)
            case .chain(let options):
                let chain = try TestIdentity.createChainDevice(
                    registrationID: options.registrationID,
                    name: options.name,
                    in: options.directory,
                    keyAlgorithm: options.keyAlgorithm,
                    passphrase: try passphrase(from: options.passphraseSource, environment: environment),
                    validity: .days(options.days)
                )
                for authority in [chain.authorities.root, chain.authorities.intermediate] {
                    Console.say("\(authority.outcome.rawValue) \(authority.certificateFile)")
                    Console.say("\(authority.outcome.rawValue) \(authority.privateKeyFile)")
                }
                describe(chain.device)
                Console.say("wrote \(chain.fullChainFile) (device certificate, then intermediate)")
            case .sign(let options):
                let signed = try TestIdentity.signRequest(
                    at: options.requestFile,
                    writingTo: options.outputFile,
                    in: options.directory,
                    validity: .days(options.days)
                )
                for authority in [signed.authorities.root, signed.authorities.intermediate] {
                    Console.say("\(authority.outcome.rawValue) \(authority.certificateFile)")
                }
                Console.say(
                    "wrote \(signed.certificateFile) (registration ID \(signed.registrationID), SHA-256 thumbprint "
                        + "\(signed.thumbprint); device certificate, then intermediate)"
                )
                Console.say("enroll it: kelvin-cloud serve --group-ca \(signed.authorities.root.certificateFile)")
            }
            return ExitStatus.success
        } catch let problem as CertificateRequestProblem {
            Console.complain("kelvin-cloud: \(problem)")
            return ExitStatus.dataError
        } catch let problem as PassphraseProblem {
            Console.complain("kelvin-cloud: \(problem.message)")
            return problem.exitCode
        } catch let error as IdentityFileError {
            if case .sign(let sign) = options, error.path == sign.requestFile {
                return KelvinCloudCommand.reportFileProblem(error, fix: "pass --csr the request kelvin key csr wrote")
            }
            return KelvinCloudCommand.reportFileProblem(error, fix: "choose a --dir you can write to")
        } catch {
            Console.complain("kelvin-cloud: cannot create the identity files: \(error)")
            return ExitStatus.failure
        }
    }

    private static func describe(_ device: DeviceIdentityFiles) {
        Console.say(
            "\(device.outcome.rawValue) \(device.certificateFile) "
                + "(registration ID \(device.registrationID), SHA-256 thumbprint \(device.thumbprint))"
        )
        let protection = device.isPrivateKeyEncrypted ? "encrypted, " : ""
        Console.say("\(device.outcome.rawValue) \(device.privateKeyFile) (\(protection)\(device.keyAlgorithm.rawValue))")
    }

    /// The passphrase bytes, without the line end a file written by `echo` has; never printed.
    ///
    /// - Throws: ``PassphraseProblem``.
    static func passphrase(
        from source: PassphraseSource?,
        environment: [String: String]
    ) throws(PassphraseProblem) -> [UInt8]? {
        switch source {
        case nil:
            return nil
        case .file(let path):
            let contents: Data
            do {
                contents = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw PassphraseProblem(
                    message: "\(path): cannot read the passphrase file (\(error.localizedDescription)) — "
                        + "pass --passphrase-file a readable file holding the passphrase",
                    exitCode: ExitStatus.missingInput
                )
            }
            guard let bytes = withoutLineEnd(Array(contents)) else {
                throw PassphraseProblem(
                    message: "\(path): the passphrase file is empty — write the passphrase into it, "
                        + "or leave out --passphrase-file for an unencrypted key",
                    exitCode: ExitStatus.usage
                )
            }
            return bytes
        case .environmentVariable(let name):
            guard let value = environment[name] else {
                throw PassphraseProblem(
                    message: "the environment variable \(name) is not set — export it with the passphrase, "
                        + "or pass --passphrase-file",
                    exitCode: ExitStatus.usage
                )
            }
            guard let bytes = withoutLineEnd(Array(value.utf8)) else {
                throw PassphraseProblem(
                    message: "the environment variable \(name) is empty — set it to the passphrase, "
                        + "or leave out --passphrase-env for an unencrypted key",
                    exitCode: ExitStatus.usage
                )
            }
            return bytes
        }
    }

    /// The passphrase without trailing line ends, which the device ignores too; `nil` if nothing is left.
    private static func withoutLineEnd(_ bytes: [UInt8]) -> [UInt8]? {
        var bytes = bytes
        while let last = bytes.last, last == 0x0A || last == 0x0D {
            bytes.removeLast()
        }
        return bytes.isEmpty ? nil : bytes
    }
}

/// Why the passphrase could not be had, as one line and its exit status.
struct PassphraseProblem: Error, Equatable {
    var message: String
    var exitCode: Int32
}
