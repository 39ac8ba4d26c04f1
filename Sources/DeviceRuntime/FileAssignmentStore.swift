import Agent
import Platform

/// The DPS assignment in `<state directory>/assignment`, replaced atomically so that a power
/// cut leaves the old file or the new one, never half of each.
struct FileAssignmentStore: AssignmentStore {
    let directory: String
    var path: String { directory + "/assignment" }

    func load(log: (String) -> Void) -> SavedAssignment? {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path, limit: SavedAssignment.maximumFileSize, symbolicLinks: .refused)
        } catch {
            if !error.isMissing { log("\(error); provisioning through DPS instead") }
            return nil
        }
        do {
            return try SavedAssignment.decode(bytes)
        } catch {
            log("ignoring \(path): \(error)")
            return nil
        }
    }

    func save(_ saved: SavedAssignment, log: (String) -> Void) {
        do {
            try Files.createDirectory(directory)
            try Files.replaceAtomically(path, with: saved.encoded())
        } catch {
            log("could not save the assignment (\(error)); the next start will provision again — make \(directory) writable by this user or choose another with --state-dir")
        }
    }
}
