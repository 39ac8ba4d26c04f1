import AzureIoT
import Wire

/// When the spool asks the storage to put appended records on the medium.
///
/// An fsync per reading costs an SD card a flash-page program each time (often a whole erase
/// block for a few dozen bytes), and cards wear out in months that way at short intervals. Not
/// syncing leaves the kernel to write back within its dirty-page expiry (about 30 s on
/// Linux): a power cut loses the readings of that window, which were then often sent already.
/// Whatever the policy, a cut never damages what was synchronized, never reuses a message ID
/// (see ``Spool``), and the torn tail it leaves is dropped on the next start.
public enum SpoolSyncPolicy: Equatable, Sendable {
    /// After every reading and acknowledgement: nothing written is lost, at the most wear.
    case always
    /// After every `n`th reading: at most `n - 1` readings lost, a `1/n`th of the syncs.
    case everyRecords(Int)
    /// Only when a compaction, reservation or recovery writes: the kernel decides.
    case never
}

/// Readings not yet accepted by the hub, kept in an append-only file so that they outlive a
/// power cut or a restart: appended before any send, acknowledged once delivered (or refused
/// for good), compacted away once acknowledged bytes dominate the file.
///
/// The file is a sequence of ``SpoolRecord``s: a run record (the message-ID prefix and how far
/// sequence numbers are reserved), readings, and acknowledgements that say how many readings
/// from the start the hub has taken. A compaction rewrites it, atomically, as a run record and
/// the pending readings.
///
/// Message IDs are `<prefix>-<sequence>` and must neither change for a reading nor repeat. A
/// spool that opens with readings pending keeps their prefix, so they go out under the IDs they
/// had, and new readings continue its numbering from the reserved ceiling: every number is
/// reserved by a synchronized run record before a reading that uses it is written, so even
/// readings lost from an unsynchronized tail (and perhaps sent) never share a number with a
/// later one. A spool with nothing pending adopts the new run's prefix and numbers from 1.
///
/// Bounded by bytes: when a reading does not fit, acknowledged bytes are compacted away first,
/// then the oldest pending readings are dropped and counted — never the newest — with a
/// sixteenth of the bound to spare, so a full spool is rewritten once per that many bytes of
/// readings rather than at each one.
public struct Spool<Storage: SpoolStorage> {
    public struct Settings: Sendable {
        /// The file never grows past this; at least 4 KiB.
        public var maximumBytes: Int
        public var syncPolicy: SpoolSyncPolicy
        /// A compaction needs at least this many bytes of acknowledged records and more than
        /// half the file: rewriting the file after every delivery would wear the card more
        /// than the acknowledgements it saves.
        public var compactionThresholdBytes: Int
        /// Sequence numbers reserved per synchronized run record: one extra sync per this many
        /// readings, and at most this many numbers skipped per restart.
        public var sequenceReservation: Int

        public init(
            maximumBytes: Int = 1 << 20,
            syncPolicy: SpoolSyncPolicy = .everyRecords(10),
            compactionThresholdBytes: Int = 16 * 1024,
            sequenceReservation: Int = 1000
        ) {
            self.maximumBytes = max(maximumBytes, 4096)
            if case .everyRecords(let count) = syncPolicy, count <= 1 {
                self.syncPolicy = .always
            } else {
                self.syncPolicy = syncPolicy
            }
            self.compactionThresholdBytes = max(compactionThresholdBytes, 0)
            self.sequenceReservation = max(sequenceReservation, 1)
        }
    }

    public private(set) var storage: Storage
    public let settings: Settings
    /// The prefix of every pending reading's message ID, and of the readings to come.
    public private(set) var messageIDPrefix: String
    /// The first sequence number a new reading may take: past every number this spool has
    /// reserved, so a restart never repeats one.
    public private(set) var nextSequence: Int
    /// Pending readings dropped by the byte bound since open.
    public private(set) var dropped = 0

    private var readings: [Reading]
    /// The bytes the pending readings' records take.
    private var pendingBytes: Int
    /// Reading records in the file, and how many of them an acknowledgement covers.
    private var readingsInFile: Int
    private var acknowledgedInFile: Int
    /// The first sequence number no synchronized run record reserves.
    private var reservedUpTo: Int
    private var unsynchronized = 0
    /// One record at a time is encoded here, so that appending a reading allocates nothing.
    private var recordBuffer: [UInt8] = []

    /// The unacknowledged readings, oldest first.
    public var pending: ArraySlice<Reading> { readings[...] }

    /// The bytes a compaction would keep: the run record and the pending readings.
    public var liveBytes: Int { runRecordBytes + pendingBytes }

    private var runRecordBytes: Int { SpoolRecord.framingBytes + 9 + messageIDPrefix.utf8.count }

    /// Opens the spool in `storage`, dropping a torn tail, and compacting when the file is
    /// over its bound or mostly acknowledged. Damage between intact records is skipped: the
    /// storage keeps a copy of the file (``SpoolStorage/keepCopy()``) and is rewritten from
    /// its intact records, and the recovery says how many bytes were skipped.
    /// - Parameter newMessageIDPrefix: this run's prefix, used when nothing from an earlier
    ///   run is pending.
    /// - Throws: `SpoolError.storage` when the storage fails, `.newerFormat` for a record this
    ///   version does not know, `.messageIDPrefixTooLong`, `.messageIDPrefixInvalid`.
    public static func open(
        _ storage: Storage,
        settings: Settings = Settings(),
        newMessageIDPrefix: String
    ) throws(SpoolError<Storage.Failure>) -> (Spool, SpoolRecovery) {
        guard newMessageIDPrefix.utf8.count <= SpoolRecord.maximumMessageIDPrefixBytes else {
            throw .messageIDPrefixTooLong(bytes: newMessageIDPrefix.utf8.count)
        }
        // A prefix the spool would refuse on reading back would make every record damage.
        guard SpoolRecord.isMessageIDPrefix(newMessageIDPrefix.utf8) else { throw .messageIDPrefixInvalid }
        var storage = storage
        let size = storage.size
        let bytes: [UInt8]
        do { bytes = try storage.read(from: 0, count: size) } catch { throw .storage(error) }
        let contents = SpoolContents(decoding: bytes)
        if let kind = contents.unknownKind { throw .newerFormat(location: storage.location, kind: kind) }
        let tornBytes = contents.tornBytes
        let damaged = contents.damagedBytes > 0
        var damagedCopy: String?
        if damaged {
            // The compaction below rewrites the file from its intact records; what the medium
            // did to the rest is worth keeping for a person.
            do { damagedCopy = try storage.keepCopy() } catch { throw .storage(error) }
        } else if tornBytes > 0 {
            do {
                try storage.truncate(to: bytes.count - tornBytes)
                try storage.synchronize()
            } catch { throw .storage(error) }
        }
        let pending = Array(contents.pending)
        let continuedPrefix = pending.isEmpty ? nil : contents.messageIDPrefix
        let continued = continuedPrefix != nil
        // Pending readings whose run record was lost (damaged) go out under the new prefix
        // with the numbers they have, so new readings number on past them all the same: from
        // 1 they would repeat those message IDs, and the copy downstream would drop one.
        let numberingContinues = !pending.isEmpty
        var reservedUpTo = contents.reservedUpTo
        if damaged {
            // The damaged stretch may have held run records reserving numbers past every
            // intact one, used by readings that were sent: skip as many reservations as it
            // could have held. Skipping numbers costs nothing; repeating one loses a reading
            // downstream, where duplicates are dropped by message ID.
            let runRecords = contents.damagedBytes / (SpoolRecord.framingBytes + 9) + 1
            reservedUpTo = saturatingSequence(reservedUpTo, plus: saturatingSequence(0, plus: runRecords, times: settings.sequenceReservation))
        }
        var spool = Spool(
            storage: storage,
            settings: settings,
            messageIDPrefix: continuedPrefix ?? newMessageIDPrefix,
            nextSequence: numberingContinues ? reservedUpTo : 1,
            readings: pending,
            readingsInFile: contents.readingsInFile.count,
            acknowledgedInFile: contents.acknowledged,
            reservedUpTo: numberingContinues ? reservedUpTo : 1
        )
        let droppedBefore = spool.dropped
        if !continued || damaged {
            // A fresh prefix starts a fresh file: nothing in the old one is pending. A damaged
            // file is rewritten from its intact records so that the damage is read only once.
            try spool.compact(makingRoomFor: 0, reservingThrough: nil)
        } else if spool.storage.size > settings.maximumBytes || spool.compactionIsDue(afterAdding: 0) {
            try spool.compact(makingRoomFor: 0, reservingThrough: nil)
        }
        let recovery = SpoolRecovery(
            pendingReadings: spool.readings.count,
            tornBytes: tornBytes,
            droppedReadings: spool.dropped - droppedBefore,
            continuedMessageIDPrefix: continued,
            damagedBytes: contents.damagedBytes,
            damagedCopy: damagedCopy
        )
        return (spool, recovery)
    }

    private init(storage: Storage, settings: Settings, messageIDPrefix: String, nextSequence: Int,
                 readings: [Reading], readingsInFile: Int, acknowledgedInFile: Int, reservedUpTo: Int) {
        self.storage = storage
        self.settings = settings
        self.messageIDPrefix = messageIDPrefix
        self.nextSequence = nextSequence
        self.readings = readings
        self.pendingBytes = readings.reduce(0) { $0 + SpoolRecord.encodedSize(of: $1) }
        self.readingsInFile = readingsInFile
        self.acknowledgedInFile = acknowledgedInFile
        self.reservedUpTo = reservedUpTo
        recordBuffer.reserveCapacity(SpoolRecord.framingBytes + 64)
    }

    /// Writes `reading` to the end of the spool, before it is sent.
    /// - Returns: how many of the oldest pending readings the byte bound dropped to make room.
    /// - Throws: `SpoolError.storage`; the spool is then as it was, except when only the sync
    ///   after the write failed: the reading is then pending but may not be on the medium.
    @discardableResult
    public mutating func append(_ reading: Reading) throws(SpoolError<Storage.Failure>) -> Int {
        recordBuffer.removeAll(keepingCapacity: true)
        SpoolRecord.reading(reading).append(to: &recordBuffer)
        let record = recordBuffer
        let reservation = reading.sequence >= reservedUpTo ? saturatingSequence(reading.sequence, plus: settings.sequenceReservation) : nil
        let runBytes = reservation == nil ? 0 : runRecordBytes
        let droppedBefore = dropped
        if storage.size + runBytes + record.count > settings.maximumBytes {
            // The compaction writes the run record with the new reservation, durably.
            try compact(makingRoomFor: record.count, reservingThrough: reservation)
        } else if let reservation {
            do {
                try storage.append(SpoolRecord.run(firstUnreservedSequence: reservation, messageIDPrefix: messageIDPrefix).encoded())
                try storage.synchronize()
            } catch { throw .storage(error) }
            reservedUpTo = reservation
            unsynchronized = 0
        }
        do { try storage.append(record) } catch { throw .storage(error) }
        readings.append(reading)
        pendingBytes += record.count
        readingsInFile += 1
        nextSequence = max(nextSequence, saturatingSequence(reading.sequence, plus: 1))
        unsynchronized += 1
        switch settings.syncPolicy {
        case .always: try synchronize()
        case .everyRecords(let count): if unsynchronized >= count { try synchronize() }
        case .never: break
        }
        return dropped - droppedBefore
    }

    /// Forgets the `count` oldest pending readings, delivered or refused for good: an
    /// acknowledgement record, or a compaction when acknowledged bytes have piled up.
    /// - Throws: `SpoolError.storage`; the readings then stay pending (and are sent again).
    public mutating func acknowledge(_ count: Int) throws(SpoolError<Storage.Failure>) {
        let count = min(max(count, 0), readings.count)
        guard count > 0 else { return }
        let removedBytes = readings.prefix(count).reduce(0) { $0 + SpoolRecord.encodedSize(of: $1) }
        recordBuffer.removeAll(keepingCapacity: true)
        SpoolRecord.acknowledgement(readingsFromStart: acknowledgedInFile + count).append(to: &recordBuffer)
        let record = recordBuffer
        if compactionIsDue(afterAdding: record.count, removing: removedBytes) {
            try compact(makingRoomFor: 0, reservingThrough: nil, acknowledging: count)
            return
        }
        do { try storage.append(record) } catch { throw .storage(error) }
        readings.removeFirst(count)
        pendingBytes -= removedBytes
        acknowledgedInFile += count
        // Losing an acknowledgement costs a duplicate under the same message ID, not a reading,
        // so only `always` syncs for it.
        if settings.syncPolicy == .always { try synchronize() }
    }

    /// Puts everything appended on the medium, as on SIGTERM before exit.
    /// - Throws: `SpoolError.storage`.
    public mutating func synchronize() throws(SpoolError<Storage.Failure>) {
        do { try storage.synchronize() } catch { throw .storage(error) }
        unsynchronized = 0
    }

    private func compactionIsDue(afterAdding added: Int, removing removed: Int = 0) -> Bool {
        let size = storage.size + added
        let dead = size - (liveBytes - removed)
        return dead >= settings.compactionThresholdBytes && dead * 2 > size
    }

    /// Rewrites the file as a run record and the pending readings but the `acknowledged`
    /// oldest, dropping more of the oldest until `room` more bytes fit within the bound.
    /// Memory changes only once the file has, so a failure leaves both as they were.
    private mutating func compact(makingRoomFor room: Int, reservingThrough reservation: Int?, acknowledging acknowledged: Int = 0) throws(SpoolError<Storage.Failure>) {
        let ceiling = max(reservation ?? reservedUpTo, reservedUpTo)
        var contents = SpoolRecord.run(firstUnreservedSequence: ceiling, messageIDPrefix: messageIDPrefix).encoded()
        var drop = acknowledged
        var keptBytes = pendingBytes - readings.prefix(acknowledged).reduce(0) { $0 + SpoolRecord.encodedSize(of: $1) }
        if contents.count + keptBytes + room > settings.maximumBytes {
            // A sixteenth of the bound more than needed: in a long outage the file is full at
            // every reading, and rewriting all of it for each one would wear the card out.
            let slack = settings.maximumBytes / 16
            while drop < readings.count && contents.count + keptBytes + room + slack > settings.maximumBytes {
                keptBytes -= SpoolRecord.encodedSize(of: readings[drop])
                drop += 1
            }
        }
        contents.reserveCapacity(contents.count + keptBytes)
        for reading in readings[drop...] { SpoolRecord.reading(reading).append(to: &contents) }
        do { try storage.replace(with: contents) } catch { throw .storage(error) }
        readings.removeFirst(drop)
        dropped += drop - acknowledged
        pendingBytes = keptBytes
        readingsInFile = readings.count
        acknowledgedInFile = 0
        reservedUpTo = ceiling
        unsynchronized = 0
    }
}

/// `base + count × factor`, at most ``SpoolRecord/maximumSequence``: numbers that came from a
/// file must not overflow what numbering does with them.
func saturatingSequence(_ base: Int, plus count: Int, times factor: Int = 1) -> Int {
    let (product, productOverflow) = count.multipliedReportingOverflow(by: factor)
    let (sum, sumOverflow) = base.addingReportingOverflow(product)
    return productOverflow || sumOverflow ? SpoolRecord.maximumSequence : min(sum, SpoolRecord.maximumSequence)
}

extension SpoolRecord {
    /// The bytes ``encoded()`` writes for a reading record.
    static func encodedSize(of reading: Reading) -> Int {
        framingBytes + 23 + (reading.humidity == nil ? 0 : 5) + (reading.pressure == nil ? 0 : 4)
    }
}

/// What opening a spool found, for one log line.
public struct SpoolRecovery: Equatable, Sendable, CustomStringConvertible {
    /// Readings from an earlier run still to be sent.
    public var pendingReadings: Int
    /// Bytes at the end that were not a whole, intact record (a write cut short), truncated.
    public var tornBytes: Int
    /// Pending readings dropped because the file was over its bound (a smaller bound
    /// configured since they were written).
    public var droppedReadings: Int
    /// True when pending readings keep the message-ID prefix they were numbered under.
    public var continuedMessageIDPrefix: Bool
    /// Bytes between intact records that were not one, skipped; every intact record after
    /// them was kept.
    public var damagedBytes: Int
    /// Where the damaged file was kept before the spool was rewritten from its intact records.
    public var damagedCopy: String?

    public init(pendingReadings: Int, tornBytes: Int, droppedReadings: Int, continuedMessageIDPrefix: Bool,
                damagedBytes: Int = 0, damagedCopy: String? = nil) {
        self.pendingReadings = pendingReadings
        self.tornBytes = tornBytes
        self.droppedReadings = droppedReadings
        self.continuedMessageIDPrefix = continuedMessageIDPrefix
        self.damagedBytes = damagedBytes
        self.damagedCopy = damagedCopy
    }

    public var description: String {
        var text = "spool: \(pendingReadings) reading(s) pending from an earlier run"
        if damagedBytes > 0 {
            text += "; skipped \(damagedBytes) damaged byte(s) between intact records and kept every intact record"
            if let damagedCopy { text += " (the damaged file is kept as \(damagedCopy); the storage may be failing)" }
        }
        if tornBytes > 0 { text += "; dropped a torn tail of \(tornBytes) byte(s) left by a write cut short" }
        if droppedReadings > 0 { text += "; dropped the \(droppedReadings) oldest to stay within the spool's size" }
        return text
    }
}

/// Why the spool cannot be used.
public enum SpoolError<Failure: Error & CustomStringConvertible>: Error, CustomStringConvertible {
    case storage(Failure)
    /// A record with an intact checksum of a kind this version does not know.
    case newerFormat(location: String, kind: UInt8)
    case messageIDPrefixTooLong(bytes: Int)
    /// Empty, or a byte that is not a letter, digit or one of `- . _ :`.
    case messageIDPrefixInvalid

    public var description: String {
        switch self {
        case .storage(let failure):
            return failure.description
        case .newerFormat(let location, let kind):
            return "\(location) holds records of kind \(kind), written by a newer Kelvin; run that version to send them, or move the file away to start an empty spool"
        case .messageIDPrefixTooLong(let bytes):
            return "the message-ID prefix is \(bytes) bytes, more than the spool's \(SpoolRecord.maximumMessageIDPrefixBytes); use a shorter registration ID"
        case .messageIDPrefixInvalid:
            return "the message-ID prefix is empty or has a byte other than letters, digits and - . _ :; use a registration ID DPS accepts"
        }
    }
}
