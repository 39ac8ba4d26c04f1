import AzureIoT

/// What a spool file holds, read without changing it: the readings still pending, how the
/// numbering stands, and how much of the end is torn. ``Spool/open(_:settings:newMessageIDPrefix:)``
/// starts from it; `kelvin status` shows it while a run may have the file open.
public struct SpoolContents {
    /// Every reading record in the file, oldest first, acknowledged or not.
    public let readingsInFile: [Reading]
    /// How many readings from the start the hub has taken.
    public let acknowledged: Int
    /// The prefix of the last run record, if any.
    public let messageIDPrefix: String?
    /// The first sequence number no run record reserves.
    public let reservedUpTo: Int
    /// Bytes at the end that are not a whole, intact record.
    public let tornBytes: Int
    public let fileBytes: Int
    /// The kind of an intact record this version does not know, right after the records it
    /// read: a newer Kelvin wrote the file, and nothing past that point may be dropped.
    public let unknownKind: UInt8?

    /// The readings still to be sent, oldest first.
    public var pending: ArraySlice<Reading> { readingsInFile[acknowledged...] }

    public init(decoding bytes: [UInt8]) {
        let decoded = SpoolRecord.decode(bytes)
        unknownKind = SpoolRecord.unknownKind(in: bytes, at: decoded.intactBytes)
        var prefix: String?
        var reservedUpTo = 1
        var all: [Reading] = []
        var acknowledged = 0
        for (record, _) in decoded.records {
            switch record {
            case .reading(let reading): all.append(reading)
            case .run(let sequence, let runPrefix):
                prefix = runPrefix
                reservedUpTo = max(reservedUpTo, sequence)
            case .acknowledgement(let count): acknowledged = count
            }
        }
        readingsInFile = all
        self.acknowledged = min(acknowledged, all.count)
        messageIDPrefix = prefix
        self.reservedUpTo = reservedUpTo
        tornBytes = bytes.count - decoded.intactBytes
        fileBytes = bytes.count
    }
}
