import AzureIoT
import Wire

/// A spool shared between the outbox it journals for and the code that flushes it at exit: a
/// class, because the outbox's journal closures and the runner both hold it.
///
/// A storage failure (a full or failing card) does not stop telemetry: it is said once through
/// `log`, and from then on readings are queued in memory only, since a spool that missed one
/// reading no longer lines up with the queue and acknowledging it would forget the wrong ones.
public final class SpoolJournal<Storage: SpoolStorage> {
    public private(set) var spool: Spool<Storage>
    /// The storage failure that stopped journaling, if any.
    public private(set) var failure: SpoolError<Storage.Failure>?
    private let log: (String) -> Void

    public init(_ spool: Spool<Storage>, log: @escaping (String) -> Void) {
        self.spool = spool
        self.log = log
    }

    /// An outbox of `capacity` written through to the spool, holding its pending readings.
    /// - Parameter reserving: the room taken up front; the spool's byte bound limits the rest.
    public func outbox(capacity: Int = .max, reserving: Int? = nil) -> Outbox {
        Outbox(capacity: capacity, reserving: reserving, journal: journal, restoring: spool.pending)
    }

    public var journal: OutboxJournal {
        OutboxJournal(
            appended: { reading in self.append(reading) },
            removedOldest: { count in self.acknowledge(count) }
        )
    }

    /// Syncs what was appended, as at exit; failures are logged.
    public func synchronize() {
        guard failure == nil else { return }
        do { try spool.synchronize() } catch { stop(error) }
    }

    private func append(_ reading: Reading) -> Int {
        guard failure == nil else { return 0 }
        do {
            return try spool.append(reading)
        } catch {
            stop(error)
            return 0
        }
    }

    private func acknowledge(_ count: Int) {
        guard failure == nil else { return }
        do { try spool.acknowledge(count) } catch { stop(error) }
    }

    private func stop(_ error: SpoolError<Storage.Failure>) {
        failure = error
        log("\(error); keeping readings in memory only until restart, so a power cut now loses them")
    }
}
