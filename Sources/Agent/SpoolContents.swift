import AzureIoT

/// What a spool file holds, read without changing it: the readings still pending, how the
/// numbering stands, what damage there is. ``Spool/open(_:settings:newMessageIDPrefix:)``
/// starts from it; `kelvin status` shows it while a run may have the file open.
public struct SpoolContents {
    /// Every intact reading record in the file, oldest first, acknowledged or not.
    public let readingsInFile: [Reading]
    /// How many readings from the start the hub has taken.
    public let acknowledged: Int
    /// The prefix of the last run record, if any.
    public let messageIDPrefix: String?
    /// The first sequence number no run record reserves, and past every reading's number.
    public let reservedUpTo: Int
    /// Bytes at the end that are not a whole, intact record.
    public let tornBytes: Int
    /// Bytes between intact records that are not one (a failing medium, not a torn write).
    public let damagedBytes: Int
    public let fileBytes: Int
    /// The kind of an intact record this version does not know, right after the records it
    /// read: a newer Kelvin wrote the file, and nothing past that point may be dropped.
    public let unknownKind: UInt8?

    /// The readings still to be sent, oldest first.
    public var pending: ArraySlice<Reading> { readingsInFile[acknowledged...] }

    public init(decoding bytes: [UInt8]) {
        let decoded = SpoolRecord.decode(bytes)
        unknownKind = SpoolRecord.unknownKind(in: bytes, at: decoded.tailStart)
        var prefix: String?
        var reservedUpTo = 1
        var all: [Reading] = []
        // Where each reading stands in the count an acknowledgement makes ("the first n reading
        // records"). A damaged stretch may have held readings that count too, so it moves the
        // readings after it on by as many as it could have held: an acknowledgement then covers
        // fewer of them than it might, and the doubt costs a duplicate under the same message
        // ID rather than a reading never sent.
        var positions: [Int] = []
        var position = 0
        var acknowledgedThrough = 0
        var damage = decoded.damaged[...]
        var previousEnd = 0
        for (record, end) in decoded.records {
            if let stretch = damage.first, stretch.lowerBound == previousEnd {
                position += stretch.count / SpoolRecord.minimumReadingRecordBytes
                damage = damage.dropFirst()
            }
            previousEnd = end
            switch record {
            case .reading(let reading):
                all.append(reading)
                position += 1
                positions.append(position)
                reservedUpTo = max(reservedUpTo, reading.sequence + 1)
            case .run(let sequence, let runPrefix):
                prefix = runPrefix
                reservedUpTo = max(reservedUpTo, sequence)
            case .acknowledgement(let count): acknowledgedThrough = count
            }
        }
        readingsInFile = all
        acknowledged = positions.prefix { $0 <= acknowledgedThrough }.count
        messageIDPrefix = prefix
        self.reservedUpTo = reservedUpTo
        tornBytes = bytes.count - decoded.tailStart
        damagedBytes = decoded.damaged.reduce(0) { $0 + $1.count }
        fileBytes = bytes.count
    }
}
