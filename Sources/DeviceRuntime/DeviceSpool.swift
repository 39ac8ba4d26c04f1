import Agent
import Platform

/// The spool of unsent readings at `<state directory>/spool`.
enum DeviceSpool {
    /// Opens (creating) the spool and says through `log` what recovery found; the journal's
    /// ``SpoolJournal/outbox(capacity:reserving:)`` is the uplink's queue, and its spool's
    /// `messageIDPrefix` and `nextSequence` number the readings to come.
    /// - Throws: `SpoolError` naming the file and the fix.
    static func open(
        stateDirectory: String,
        settings: Spool<FileSpoolStorage>.Settings,
        newMessageIDPrefix: String,
        log: @escaping (String) -> Void
    ) throws(SpoolError<FileError>) -> SpoolJournal<FileSpoolStorage> {
        let storage: FileSpoolStorage
        do { storage = try FileSpoolStorage.open(inStateDirectory: stateDirectory) } catch { throw .storage(error) }
        do {
            let (spool, recovery) = try Spool.open(storage, settings: settings, newMessageIDPrefix: newMessageIDPrefix)
            if recovery.pendingReadings > 0 || recovery.tornBytes > 0 || recovery.droppedReadings > 0 || recovery.damagedBytes > 0 {
                log("\(recovery)")
            }
            return SpoolJournal(spool, log: log)
        } catch {
            storage.close()
            throw error
        }
    }
}
