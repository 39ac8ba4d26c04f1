import Dispatch
import Foundation
import KelvinCloud

/// Running DPS and IoT Hub until a signal, a message count or a time limit.
extension ServeCommand {
    static func execute(_ options: ServeOptions) -> Int32 {
        let directory = URL(fileURLWithPath: options.directory)
        let initHint = "run `kelvin-cloud init --dir \(options.directory)` first"
        let serverCertificateFile = directory.appendingPathComponent(TestIdentity.serverCertificateFileName).path
        let serverKeyFile = directory.appendingPathComponent(TestIdentity.serverPrivateKeyFileName).path
        let serverCAFile = directory.appendingPathComponent(TestIdentity.serverCAFileName).path
        let serverCAKeyFile = directory.appendingPathComponent(TestIdentity.serverCAPrivateKeyFileName).path
        for file in [serverCertificateFile, serverKeyFile] where !FileManager.default.fileExists(atPath: file) {
            return KelvinCloudCommand.reportFileProblem(.missing(path: file), fix: initHint)
        }

        var enrollments: [Enrollment] = []
        let defaultDeviceCertificate = directory.appendingPathComponent("device-cert.pem").path
        var enrollmentFiles = options.enrollmentFiles
        if FileManager.default.fileExists(atPath: defaultDeviceCertificate) {
            enrollmentFiles.insert(defaultDeviceCertificate, at: 0)
        }
        for file in enrollmentFiles {
            do {
                let enrollment = try Enrollment(certificatePEMFile: file)
                enrollments.append(enrollment)
                Console.say(
                    "kelvin-cloud: enrolled \(enrollment.registrationID) (SHA-256 thumbprint \(enrollment.thumbprint))"
                )
            } catch let error as IdentityFileError {
                return KelvinCloudCommand.reportFileProblem(error, fix: "check the --enroll path")
            } catch {
                Console.complain("kelvin-cloud: \(file): \(error)")
                return ExitStatus.missingInput
            }
        }
        var registry = EnrollmentRegistry(individualEnrollments: enrollments)
        for (file, bindsGroup) in options.certificateAuthorityFiles.map({ ($0, false) })
            + options.groupCertificateAuthorityFiles.map({ ($0, true) })
        {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            do {
                registry.certificateAuthorities.append(try CertificateAuthority(name: name, certificatePEMFile: file))
            } catch let error as IdentityFileError {
                return KelvinCloudCommand.reportFileProblem(error, fix: "check the --ca/--group-ca path")
            } catch {
                Console.complain("kelvin-cloud: \(file): \(error)")
                return ExitStatus.missingInput
            }
            Console.say("kelvin-cloud: uploaded verified CA \(name)" + (bindsGroup ? " with enrollment group \(name)" : ""))
            if bindsGroup {
                registry.groups.append(EnrollmentGroup(groupID: name, certificateAuthorityName: name))
            }
        }

        var hubs = options.hubs.isEmpty
            ? [HubConfiguration(name: "hub", port: options.hubPort)]
            : options.hubs.map { HubConfiguration(name: $0.name, port: $0.port) }
        if let setupPath = options.setupFile {
            do {
                let setup = try CloudSetupFile(contentsOf: setupPath)
                if !setup.hubs.isEmpty { hubs = setup.hubs }
                registry.certificateAuthorities += setup.enrollments.certificateAuthorities
                // The file's entry for a certificate replaces the default enrollment of DIR/device-cert.pem.
                let fromFile = Set(setup.enrollments.individualEnrollments.map(\.thumbprint))
                registry.individualEnrollments.removeAll { fromFile.contains($0.thumbprint) }
                registry.individualEnrollments += setup.enrollments.individualEnrollments
                registry.groups += setup.enrollments.groups
                Console.say(
                    "kelvin-cloud: \(setupPath): \(setup.enrollments.individualEnrollments.count) enrollments, "
                        + "\(setup.enrollments.groups.count) groups, "
                        + "\(setup.enrollments.certificateAuthorities.count) CAs"
                )
            } catch {
                Console.complain("kelvin-cloud: \(error) — fix the setup file")
                return ExitStatus.configuration
            }
        }
        if let host = options.publicHost {
            for index in hubs.indices {
                hubs[index].hostName = host
            }
        }
        if registry.individualEnrollments.isEmpty && registry.groups.isEmpty {
            Console.say(
                "kelvin-cloud: no device enrolled; every registration will get 401 (\(initHint) or pass --enroll)"
            )
        }

        var configuration = CloudConfiguration(
            serverCertificateFile: serverCertificateFile,
            serverKeyFile: serverKeyFile
        )
        configuration.host = options.listenAddress
        // Directories made before the CA's key was kept have none: every TLS mode but
        // not-yet-valid still works with them.
        if FileManager.default.fileExists(atPath: serverCAKeyFile) {
            configuration.serverCACertificateFile = serverCAFile
            configuration.serverCAPrivateKeyFile = serverCAKeyFile
        }
        configuration.enrollmentRegistry = registry
        configuration.hubs = hubs
        configuration.adminPort = options.adminPort
        configuration.dpsPort = options.dpsPort
        configuration.idScope = options.idScope
        configuration.retryAfterSeconds = options.retryAfterSeconds
        configuration.assigningPollsBeforeAssigned = options.assigningPolls
        configuration.answersRegisterImmediately = options.registerImmediately
        configuration.hubErrorShape = options.hubErrorShape
        configuration.lenient = options.lenient
        configuration.registrationLimit = RateLimit(maximumRequests: options.registrationsPerMinute, windowSeconds: 60)
        configuration.tlsVersions = options.tlsVersions

        let server: CloudServer
        do {
            server = try CloudServer(configuration: configuration)
            try server.start()
        } catch let error as IdentityFileError {
            return KelvinCloudCommand.reportFileProblem(error, fix: initHint)
        } catch CloudServerError.invalidConfiguration(let problem) {
            Console.complain("kelvin-cloud: \(problem)")
            return ExitStatus.configuration
        } catch {
            Console.complain("kelvin-cloud: \(error)")
            return ExitStatus.failure
        }

        for host in Set(hubs.map(\.hostName)) where !server.serverCertificateNames.contains(host) && host != "127.0.0.1" {
            Console.complain(
                "kelvin-cloud: warning: \(serverCertificateFile) does not name \(host), which DPS hands out as the hub's host; "
                    + "devices will refuse it — run `kelvin-cloud init --dir \(options.directory) "
                    + "\(host.allSatisfy { $0.isNumber || $0 == "." } ? "--ip" : "--server-name") \(host)`"
            )
        }

        let stop = StopRequest()
        let signalSources = [SIGINT, SIGTERM].map { signalNumber in
            // The default action would kill the process before the summary is printed.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.request(.signal) }
            source.resume()
            return source
        }
        if let count = options.exitAfterMessages {
            Thread {
                if server.waitForTelemetry(count: count, timeoutSeconds: .infinity) {
                    stop.request(.enoughMessages)
                }
            }.start()
        }
        if let seconds = options.maxSeconds {
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { stop.request(.timeLimit) }
        }

        let hubList = server.hubs.map { hub in
            server.hubs.count == 1 && hub.name == "hub" ? "hub on \(hub.address)" : "hub \(hub.name) on \(hub.address)"
        }
        Console.say(
            "kelvin-cloud: DPS on localhost:\(server.dpsPort), \(hubList.joined(separator: ", ")), "
                + "id scope \(configuration.idScope), TLS \(configuration.tlsVersions.rawValue)"
        )
        if let adminPort = server.adminPort {
            Console.say("kelvin-cloud: admin API on http://127.0.0.1:\(adminPort)/admin/, the desk page on http://127.0.0.1:\(adminPort)/")
        }
        let reason = stop.wait()
        for source in signalSources {
            source.cancel()
        }

        var status = ExitStatus.success
        do {
            try server.shutdown()
        } catch {
            Console.complain("kelvin-cloud: \(error)")
            status = ExitStatus.failure
        }
        let telemetry = server.receivedTelemetry
        let devices = Set(telemetry.map(\.deviceID)).count
        Console.say("kelvin-cloud: received \(telemetry.count) telemetry messages from \(devices) device(s)")
        if reason == .timeLimit {
            let expectation = options.exitAfterMessages.map { " of the \($0) expected by --exit-after-messages" } ?? ""
            Console.complain(
                "kelvin-cloud: --max-seconds \(options.maxSeconds ?? 0) ran out with "
                    + "\(telemetry.count) messages\(expectation)"
            )
            status = ExitStatus.failure
        }
        return status
    }
}

/// The first reason to stop wins; later ones (a Ctrl-C during shutdown) are ignored.
final class StopRequest: @unchecked Sendable {
    enum Reason: Equatable {
        case signal
        case enoughMessages
        case timeLimit
    }

    private let lock = NSLock()
    private var reason: Reason?
    private let stopped = DispatchSemaphore(value: 0)

    func request(_ newReason: Reason) {
        let isFirst = lock.withLock {
            guard reason == nil else { return false }
            reason = newReason
            return true
        }
        if isFirst { stopped.signal() }
    }

    func wait() -> Reason {
        stopped.wait()
        return lock.withLock { reason! }
    }
}
