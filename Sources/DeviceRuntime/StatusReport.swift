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
        let store = FileAssignmentStore(directory: StateDirectory.path(options))
        var notes: [String] = []
        if let saved = store.load(log: { notes.append($0) }) {
            let validity = saved.mismatch(with: identity.assignmentKey(options)).map { " — stale: \($0)" } ?? ""
            Console.print("assignment:  hub \(saved.assignment.hub) as device \(saved.assignment.deviceID) (\(saved.assignment.substatus), \(UTCTimestamp.text(milliseconds: saved.assignedAtMilliseconds)))\(validity)")
        } else {
            Console.print("assignment:  none saved in \(store.path)" + (notes.first.map { " (\($0))" } ?? "; the next run registers with DPS"))
        }
        spoolLines(directory: StateDirectory.path(options))
        Console.print("sensor:      \(options.sensor.spec)")
    }

    /// The spool read as it is, without opening it for writing: a running agent may hold it.
    private func spoolLines(directory: String) {
        let path = FileSpoolStorage.path(inStateDirectory: directory)
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path, limit: 1 << 30, symbolicLinks: .refused)
        } catch {
            Console.print("spool:       " + (error.isMissing ? "none in \(directory) (no run has queued a reading)" : "\(error)"))
            bytes = []
        }
        if !bytes.isEmpty {
            let contents = SpoolContents(decoding: bytes)
            let pending = contents.pending
            var line = "spool:       \(pending.count) reading(s) waiting in \(path) (\(bytes.count) of at most \(options.spoolMaximumBytes) bytes)"
            if let oldest = pending.first, let newest = pending.last {
                line += ", taken \(Self.time(oldest.takenAtMilliseconds)) to \(Self.time(newest.takenAtMilliseconds))"
            }
            if contents.damagedBytes > 0 { line += "; \(contents.damagedBytes) damaged bytes between intact records, skipped (and the file kept aside) at the next start" }
            if contents.tornBytes > 0 { line += "; a torn tail of \(contents.tornBytes) bytes, dropped at the next start" }
            if let kind = contents.unknownKind { line += "; records of kind \(kind) from a newer Kelvin follow" }
            Console.print(line)
        }
        let notes = CounterFile(directory: directory)
        if let counters = notes.load(log: { Console.print("counters:    \($0)") }) {
            Console.print("counters:    delivered \(counters.delivered), refused by the hub \(counters.refused), "
                + "given way to newer \(counters.displaced), sensor failures \(counters.sensorFailures) "
                + "(since \(Self.time(counters.sinceMilliseconds)), as of \(Self.time(counters.updatedMilliseconds)))")
        } else {
            Console.print("counters:    none yet in \(notes.path)")
        }
    }

    private static func time(_ milliseconds: Int64) -> String {
        milliseconds > 0 ? UTCTimestamp.text(milliseconds: milliseconds) : "unknown time"
    }
}
