import Agent
import Platform

/// The delivery counters in `<state directory>/counters`, replaced atomically. Written at most
/// every ``savingIntervalMilliseconds`` while running, and at exit: a tiny file a few times an
/// hour costs an SD card nothing worth counting, and a power cut loses only that stretch of
/// counting, never a reading.
struct CounterFile {
    let directory: String
    var path: String { directory + "/counters" }

    static let savingIntervalMilliseconds: Int64 = 600_000

    /// The saved counters; nil when there are none, or (said through `log`) when the file is
    /// damaged and counting starts again.
    func load(log: (String) -> Void) -> DeliveryCounters? {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path, limit: DeliveryCounters.maximumFileSize, symbolicLinks: .refused)
        } catch {
            if !error.isMissing { log("\(error); counting starts again") }
            return nil
        }
        guard let counters = DeliveryCounters.decode(bytes) else {
            log("\(path) is damaged (a write cut short?) or holds a number out of range; counting starts again")
            return nil
        }
        return counters
    }

    /// - Returns: false, having said why through `log`, when the file cannot be written.
    @discardableResult
    func save(_ counters: DeliveryCounters, log: (String) -> Void) -> Bool {
        do {
            try Files.replaceAtomically(path, with: counters.encoded(), permissions: 0o644)
            return true
        } catch {
            log("could not save the delivery counters (\(error)); kelvin status will show older ones")
            return false
        }
    }
}
