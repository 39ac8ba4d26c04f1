import Agent
import AzureIoT
import HTTPSClient
import Platform
import Wire

/// `kelvin status`: who this device is and where it sends, from its files alone — no network.
struct StatusReport {
    let options: RunOptions
    let clock = MonotonicClock()

    func run() throws(Fatal) {
        let identity = try DeviceIdentity.load(options, clock: clock)
        Console.print("device:      \(identity.registrationID) (certificate \(options.certificatePath))")
        Console.print("SHA-256:     \(identity.thumbprint)")
        if let validity = identity.context.certificateValidity {
            Console.print("valid:       \(UTCTimestamp.text(milliseconds: validity.notBefore * 1000)) to \(UTCTimestamp.text(milliseconds: validity.notAfter * 1000))")
        }
        let store = FileAssignmentStore(directory: Setup.stateDirectory(options))
        var notes: [String] = []
        if let saved = store.load(log: { notes.append($0) }) {
            let validity = saved.mismatch(with: identity.assignmentKey(options)).map { " — stale: \($0)" } ?? ""
            Console.print("assignment:  hub \(saved.assignment.hub) as device \(saved.assignment.deviceID) (\(saved.assignment.substatus), \(UTCTimestamp.text(milliseconds: saved.assignedAtSeconds * 1000)))\(validity)")
        } else {
            Console.print("assignment:  none saved in \(store.path)" + (notes.first.map { " (\($0))" } ?? "; the next run registers with DPS"))
        }
        Console.print("sensor:      \(options.sensor.spec)")
    }
}
