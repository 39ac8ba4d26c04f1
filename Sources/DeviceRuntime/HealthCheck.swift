import Agent
import AzureIoT
import HTTP1
import HTTPSClient
import Platform
import Sensors
import Wire

/// `kelvin check`: everything a run needs, checked in order, one ✔ or ✘ line each with the fix —
/// what to run on a bench before leaving a device alone.
struct HealthCheck {
    let options: RunOptions
    let clock = MonotonicClock()
    private var failures = 0

    init(options: RunOptions) { self.options = options }

    mutating func run() throws(Fatal) {
        let location: DeviceKeyLocation
        do {
            location = try DeviceIdentity.keyLocation(options)
        } catch {
            fail(error.message)
            try finish()
            return
        }
        if case .file = location { checkPrivateKey() }
        let identity: DeviceIdentity
        do {
            // The secret files' permissions were just checked, each with its own line.
            identity = try DeviceIdentity.load(options, clock: clock, secretFilesChecked: true)
            pass("certificate \(options.certificatePath) and key \(options.keyPath) belong together; registration ID \(identity.registrationID)")
        } catch {
            fail(error.message)
            try finish()
            return
        }
        if case .provider = location { checkProviderKey(location, identity) }
        checkChain(identity)
        checkClock(identity)
        checkSensor()
        let store = FileAssignmentStore(directory: StateDirectory.path(options))
        let saved = checkAssignment(identity, store: store)
        checkReachable("DPS", options.dpsEndpoint, identity: identity)
        if let saved { checkReachable("hub", saved.assignment.hub.description, identity: identity) }
        try finish()
    }

    /// Where a provider's key lives and that it signs now: a TPM can be reachable at start and
    /// still refuse (lockout, a handle evicted since).
    private mutating func checkProviderKey(_ location: DeviceKeyLocation, _ identity: DeviceIdentity) {
        let kind = identity.context.providerKeyDescription.map { " (\($0))" } ?? ""
        if let reason = identity.context.testSignature() {
            fail("the key \(location)\(kind) did not sign a test digest: \(reason); check the TPM with tpm2_getcap handles-persistent")
        } else {
            pass("key \(location)\(kind) signs; it is held there, not in a file")
        }
    }

    /// The key and the passphrase file by ``SecretFile``'s rule, the one `run` enforces.
    private mutating func checkPrivateKey() {
        do {
            if let exposure = try SecretFile.exposure(options.keyPath, what: "key") {
                fail(exposure)
            } else {
                pass("key \(options.keyPath) is private (mode \(SecretFile.octal(try Files.permissions(options.keyPath))))")
            }
        } catch {
            fail("\(error); pass --key with the device's private key")
        }
        guard let path = options.keyPassphrasePath else { return }
        do {
            if let exposure = try SecretFile.exposure(path, what: "passphrase file") {
                fail(exposure)
            } else {
                pass("passphrase file \(path) is private")
            }
        } catch {
            fail("\(error); --key-passphrase-file must name a readable file holding the passphrase")
        }
    }

    private mutating func checkChain(_ identity: DeviceIdentity) {
        guard let shape = identity.context.certificateChainShape else { return }
        if shape.leafIsSelfIssued {
            pass("self-signed device certificate (an individual enrollment)" + (shape.intermediates > 0 ? "; the \(shape.intermediates) certificate(s) after it are not needed" : ""))
        } else if shape.intermediates == 0 {
            pass("CA-signed device certificate without intermediates: fine when its CA is verified in DPS itself; an enrollment group on a root needs the intermediates appended to \(options.certificatePath)")
        } else {
            pass("CA-signed device certificate followed by \(shape.intermediates) intermediate(s), leaf first")
        }
    }

    private mutating func checkClock(_ identity: DeviceIdentity) {
        let now = clock.wallClockSeconds
        // A board without a real-time clock starts in 1970 until NTP sets the time.
        guard ReadingTime.clockIsSet(wallClockMilliseconds: clock.wallClockMilliseconds) else {
            fail("the clock says \(UTCTimestamp.text(milliseconds: now * 1000)): it is not set yet — check NTP (timedatectl status); TLS cannot verify certificates until it is")
            return
        }
        guard let validity = identity.context.certificateValidity else { return }
        if now < validity.notBefore || now > validity.notAfter {
            fail("the device certificate is valid \(UTCTimestamp.text(milliseconds: validity.notBefore * 1000)) to \(UTCTimestamp.text(milliseconds: validity.notAfter * 1000)), not now: issue a new one, or fix the clock")
        } else {
            let days = (validity.notAfter - now) / 86_400
            pass("clock \(UTCTimestamp.text(milliseconds: now * 1000)); the certificate is valid for \(days) more day(s)")
        }
    }

    private mutating func checkSensor() {
        do {
            var sensor = try DeviceSensor.open(options.sensor, fields: ReadingFields(humidity: true, pressure: true), clock: clock)
            if let reading = try? sensor.read(sequence: 1, takenAtMilliseconds: clock.wallClockMilliseconds) {
                pass("\(options.sensor.spec) answers: " + SensorRead.describe(reading))
            } else {
                fail("\(options.sensor.spec) opened but gave no reading; run `kelvin read --count 5` to watch it")
            }
        } catch {
            fail(error.message)
        }
    }

    private mutating func checkAssignment(_ identity: DeviceIdentity, store: FileAssignmentStore) -> SavedAssignment? {
        var notes: [String] = []
        guard let saved = store.load(log: { notes.append($0) }) else {
            if let note = notes.first {
                fail(note)
            } else {
                pass("no saved assignment in \(store.path) yet: the first run registers with DPS")
            }
            return nil
        }
        if let mismatch = saved.mismatch(with: identity.assignmentKey(options)) {
            pass("the saved assignment \(mismatch): the next run registers with DPS again")
            return nil
        }
        pass("saved assignment: hub \(saved.assignment.hub) as device \(saved.assignment.deviceID), since \(UTCTimestamp.text(milliseconds: saved.assignedAtMilliseconds))")
        return saved
    }

    /// A TLS handshake with the device certificate and one request: an HTTP answer of whatever status proves the
    /// network path, the server's certificate and ours.
    private mutating func checkReachable(_ service: String, _ address: String, identity: DeviceIdentity) {
        guard let endpoint = Endpoint(parsing: address) else {
            fail("\(service) address \"\(address)\" is not host or host:port")
            return
        }
        let proxySettings: ProxySettings
        do {
            proxySettings = try ClientSetup.proxySettings(options)
        } catch {
            fail(error.message)
            return
        }
        var client = ClientSetup.client(options, identity: identity, proxySettings: proxySettings)
        defer { client.closeAll() }
        do {
            let response = try client.send(host: endpoint.host, port: endpoint.port, method: .get, target: "/")
            pass("\(service) \(endpoint) answers over mutual TLS (HTTP \(response.status) to a probe)")
        } catch {
            fail("\(service) \(endpoint): \(error)")
        }
    }

    private mutating func pass(_ text: String) {
        Console.print("✔ " + text)
    }

    private mutating func fail(_ text: String) {
        failures += 1
        Console.print("✘ " + text)
    }

    private func finish() throws(Fatal) {
        guard failures > 0 else { return }
        throw Fatal(message: "\(failures) check(s) failed; fix the lines marked ✘ and run `kelvin check` again", exitCode: .configuration)
    }

}
