import AzureIoT
import Wire

/// One record of the spool file: a reading, the run it was numbered in, or how many readings
/// the hub has taken.
///
/// Each record is framed as
///
///     length (UInt16 LE) | payload (length bytes) | CRC-32 (LE) of length and payload
///
/// and the payload's first byte says what it is and in which layout (a later layout takes a new
/// value rather than a version field, so one byte does both). Integers are little-endian.
///
/// - `1` reading: sequence (UInt64), takenAtMilliseconds (Int64), temperature millidegrees
///   (Int32), temperature fraction digits (UInt8), flags (UInt8: bit 0 humidity, bit 1
///   pressure), then humidity millipercent (Int32) and fraction digits (UInt8) when bit 0 is
///   set, then pressure pascals (Int32) when bit 1 is set. 23 to 32 bytes.
/// - `2` run: the first sequence number not yet reserved (UInt64), then the message-ID prefix
///   (the rest of the payload, UTF-8).
/// - `3` acknowledgement: how many readings from the start of the file the hub has taken or
///   refused for good (UInt64), counting every reading record before it.
///
/// The message-ID prefix is stored once per run, not per reading. A reading's message ID must
/// stay the same on every send, across reboots too, or the copy that reached the hub just
/// before a power cut (sent, not yet acknowledged) comes again under another ID and nothing
/// downstream can tell it is a duplicate. So readings keep the prefix they were numbered under,
/// and the spool carries it in its run record; storing it in every reading would double a
/// record's size on the SD card for the same information. See ``Spool`` for how the next run
/// continues that prefix without ever reusing a number.
public enum SpoolRecord: Equatable, Sendable {
    case reading(Reading)
    case run(firstUnreservedSequence: Int, messageIDPrefix: String)
    case acknowledgement(readingsFromStart: Int)

    /// Length field, kind byte and checksum: what a record costs beyond its values.
    static let framingBytes = 2 + 4

    /// The longest prefix a run record takes; real prefixes are a registration ID (at most 128
    /// bytes) and a run ID.
    public static let maximumMessageIDPrefixBytes = 1024

    enum Kind: UInt8 {
        case reading = 1
        case run = 2
        case acknowledgement = 3
    }

    private static let hasHumidity: UInt8 = 1
    private static let hasPressure: UInt8 = 2

    /// The framed record's bytes.
    public func encoded() -> [UInt8] {
        var record: [UInt8] = []
        record.reserveCapacity(Self.framingBytes + 40)
        append(to: &record)
        return record
    }

    /// Appends the framed record to `bytes`: into a buffer kept across records, writing one
    /// allocates nothing.
    public func append(to bytes: inout [UInt8]) {
        let start = bytes.count
        // The length is patched in once the payload is written.
        bytes.append(0)
        bytes.append(0)
        switch self {
        case .reading(let reading):
            bytes.append(Kind.reading.rawValue)
            Self.append(UInt64(truncatingIfNeeded: reading.sequence), to: &bytes)
            Self.append(UInt64(bitPattern: reading.takenAtMilliseconds), to: &bytes)
            Self.append(UInt32(bitPattern: reading.temperature.value), to: &bytes)
            bytes.append(UInt8(truncatingIfNeeded: reading.temperatureFractionDigits))
            var flags: UInt8 = 0
            if reading.humidity != nil { flags |= Self.hasHumidity }
            if reading.pressure != nil { flags |= Self.hasPressure }
            bytes.append(flags)
            if let humidity = reading.humidity {
                Self.append(UInt32(bitPattern: humidity.millipercent), to: &bytes)
                bytes.append(UInt8(truncatingIfNeeded: humidity.fractionDigits))
            }
            if let pressure = reading.pressure {
                Self.append(UInt32(bitPattern: pressure.pascals), to: &bytes)
            }
        case .run(let sequence, let prefix):
            bytes.append(Kind.run.rawValue)
            Self.append(UInt64(truncatingIfNeeded: sequence), to: &bytes)
            bytes.append(contentsOf: prefix.utf8.prefix(Self.maximumMessageIDPrefixBytes))
        case .acknowledgement(let count):
            bytes.append(Kind.acknowledgement.rawValue)
            Self.append(UInt64(truncatingIfNeeded: count), to: &bytes)
        }
        let payloadCount = bytes.count - start - 2
        bytes[start] = UInt8(truncatingIfNeeded: payloadCount)
        bytes[start + 1] = UInt8(truncatingIfNeeded: payloadCount >> 8)
        let checksum = CRC32.checksum(bytes[start...])
        Self.append(checksum, to: &bytes)
    }

    /// What a buffer of records holds: every intact record, the damage skipped between them,
    /// and where the torn tail starts.
    public struct Decoded: Equatable, Sendable {
        /// Each intact record and the offset just past it.
        public var records: [(record: SpoolRecord, end: Int)]
        /// Each stretch skipped between intact records, in order: damage in the middle, not a
        /// write cut short.
        public var damaged: [Range<Int>]
        /// The offset past the last intact record when nothing intact follows it (a torn tail,
        /// or a record this version does not know), else the buffer's end.
        public var tailStart: Int

        public static func == (lhs: Decoded, rhs: Decoded) -> Bool {
            lhs.tailStart == rhs.tailStart && lhs.damaged == rhs.damaged
                && lhs.records.count == rhs.records.count
                && zip(lhs.records, rhs.records).allSatisfy { $0.record == $1.record && $0.end == $1.end }
        }
    }

    /// Reads every intact record of `bytes`, skipping damage in the middle.
    ///
    /// Past a record that is cut short, fails its checksum or does not parse, the next record
    /// is found by trying each later offset for a whole frame of a known kind, a plausible
    /// length, a matching CRC-32 and a payload that parses: a false match inside damaged bytes
    /// needs a 32-bit checksum to agree by chance as well. When nothing intact follows, the
    /// rest is a torn tail, as a power cut during an append leaves. An intact record of a kind
    /// this version does not know stops the reading there (see ``unknownKind(in:at:)``): a
    /// newer Kelvin wrote it, and nothing from it on may be dropped.
    ///
    /// Cost: a CRC over at most ``maximumPayloadBytes`` per candidate offset, so even a
    /// hostile file of a mebibyte stays a bounded piece of work, and nothing is allocated
    /// from a length field.
    public static func decode(_ bytes: [UInt8]) -> Decoded {
        var decoded = Decoded(records: [], damaged: [], tailStart: bytes.count)
        var offset = 0
        while offset < bytes.count {
            if let frame = intactFrame(in: bytes, at: offset), let record = parse(bytes[frame.payload]) {
                decoded.records.append((record, frame.end))
                offset = frame.end
                continue
            }
            if unknownKind(in: bytes, at: offset) != nil {
                decoded.tailStart = offset
                return decoded
            }
            guard let next = nextRecord(in: bytes, after: offset) else {
                decoded.tailStart = offset
                return decoded
            }
            decoded.damaged.append(offset..<next)
            offset = next
        }
        return decoded
    }

    /// The offset of the first intact, known record after `offset`, or nil.
    private static func nextRecord(in bytes: [UInt8], after offset: Int) -> Int? {
        var candidate = offset + 1
        while bytes.count - candidate >= framingBytes {
            let length = Int(bytes[candidate]) | Int(bytes[candidate + 1]) << 8
            // Cheap tests first: most offsets fail on the kind or the length, before a CRC.
            if length > 0, length <= maximumPayloadBytes, Kind(rawValue: bytes[candidate + 2]) != nil,
               let frame = intactFrame(in: bytes, at: candidate), parse(bytes[frame.payload]) != nil {
                return candidate
            }
            candidate += 1
        }
        return nil
    }

    /// The longest payload of a known kind: a run record with the longest prefix.
    static let maximumPayloadBytes = 9 + maximumMessageIDPrefixBytes
    /// The shortest reading record (no humidity, no pressure): a stretch of `n` damaged bytes
    /// held at most `n / minimumReadingRecordBytes` readings.
    static let minimumReadingRecordBytes = framingBytes + 23

    /// The kind byte of a payload whose checksum holds but whose kind this version does not
    /// know, or nil: the file was then written by a newer Kelvin, not torn.
    static func unknownKind(in bytes: [UInt8], at offset: Int) -> UInt8? {
        guard let frame = intactFrame(in: bytes, at: offset) else { return nil }
        let kind = bytes[frame.payload.lowerBound]
        return Kind(rawValue: kind) == nil ? kind : nil
    }

    /// The payload's range and the record's end when a whole record whose checksum holds
    /// starts at `offset`.
    private static func intactFrame(in bytes: [UInt8], at offset: Int) -> (payload: Range<Int>, end: Int)? {
        guard offset >= 0, bytes.count - offset >= framingBytes else { return nil }
        let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
        // At most 2 + 65535 + 4 past an offset within the buffer: no overflow, even on armv7.
        let end = offset + 2 + length + 4
        guard length > 0, end <= bytes.count else { return nil }
        var stored: UInt32 = 0
        for index in 0..<4 { stored |= UInt32(bytes[end - 4 + index]) << UInt32(8 * index) }
        guard CRC32.checksum(bytes[offset..<(end - 4)]) == stored else { return nil }
        return ((offset + 2)..<(end - 4), end)
    }

    private static func parse(_ payload: ArraySlice<UInt8>) -> SpoolRecord? {
        var cursor = payload.startIndex
        func byte() -> UInt8 {
            defer { cursor += 1 }
            return payload[cursor]
        }
        func uint32() -> UInt32 {
            var value: UInt32 = 0
            for index in 0..<4 { value |= UInt32(payload[cursor + index]) << UInt32(8 * index) }
            cursor += 4
            return value
        }
        func uint64() -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<8 { value |= UInt64(payload[cursor + index]) << UInt64(8 * index) }
            cursor += 8
            return value
        }
        guard let kind = Kind(rawValue: byte()) else { return nil }
        switch kind {
        case .reading:
            guard payload.count >= 23 else { return nil }
            guard let sequence = plausibleCount(uint64()) else { return nil }
            let taken = Int64(bitPattern: uint64())
            let temperature = Int32(bitPattern: uint32())
            let digits = Int(byte())
            let flags = byte()
            guard digits <= 3, flags & ~(hasHumidity | hasPressure) == 0 else { return nil }
            let expected = 23 + (flags & hasHumidity != 0 ? 5 : 0) + (flags & hasPressure != 0 ? 4 : 0)
            guard payload.count == expected else { return nil }
            var humidity: RelativeHumidity?
            if flags & hasHumidity != 0 {
                let millipercent = Int32(bitPattern: uint32())
                let humidityDigits = Int(byte())
                guard humidityDigits <= 3 else { return nil }
                humidity = RelativeHumidity(millipercent: millipercent, fractionDigits: humidityDigits)
            }
            var pressure: Pressure?
            if flags & hasPressure != 0 { pressure = Pressure(pascals: Int32(bitPattern: uint32())) }
            return .reading(Reading(temperature: Millidegrees(temperature), temperatureFractionDigits: digits,
                                    humidity: humidity, pressure: pressure, takenAtMilliseconds: taken, sequence: sequence))
        case .run:
            guard payload.count >= 9, payload.count - 9 <= maximumMessageIDPrefixBytes,
                  let sequence = plausibleCount(uint64()) else { return nil }
            let prefixBytes = payload[cursor...]
            guard isMessageIDPrefix(prefixBytes) else { return nil }
            return .run(firstUnreservedSequence: sequence, messageIDPrefix: String(decoding: prefixBytes, as: UTF8.self))
        case .acknowledgement:
            guard payload.count == 9, let count = plausibleCount(uint64()) else { return nil }
            return .acknowledgement(readingsFromStart: count)
        }
    }

    /// Whether `bytes` can be a message-ID prefix as the runtime's `RunID` builds them: registration-ID
    /// bytes and `-` (hex digits are letters and digits), at least one. The prefix goes into a
    /// header and a JSON string of every send, so anything else in a file is damage.
    public static func isMessageIDPrefix(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.count <= maximumMessageIDPrefixBytes && bytes.allSatisfy(RegistrationID.isAllowed)
    }

    /// The largest sequence number or count a record may hold. Half of `Int.max` leaves the
    /// rest for the `+ 1` and `+ reservation` that numbering does with it, so a file claiming
    /// `UInt64.max` is damage rather than a trap later; on armv7 (32-bit `Int`) that is still
    /// a reading a second for 34 years.
    public static let maximumSequence = Int.max / 2

    /// `value` when it is at most ``maximumSequence``, else nil: damage, not a number.
    private static func plausibleCount(_ value: UInt64) -> Int? {
        guard value <= UInt64(maximumSequence) else { return nil }
        return Int(value)
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
