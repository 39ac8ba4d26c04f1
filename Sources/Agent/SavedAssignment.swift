import AzureIoT
import Wire

/// What an assignment is valid for: provisioning again is needed when any of these change.
public struct AssignmentKey: Equatable, Sendable {
    /// "host" or "host:port" as `Endpoint.description` prints it.
    public var dpsEndpoint: String
    public var idScope: String
    public var registrationID: String
    /// Lower-case hex of the leaf certificate's SHA-256.
    public var certificateSHA256: String

    public init(dpsEndpoint: String, idScope: String, registrationID: String, certificateSHA256: String) {
        self.dpsEndpoint = dpsEndpoint
        self.idScope = idScope
        self.registrationID = registrationID
        self.certificateSHA256 = certificateSHA256
    }
}

/// The assignment DPS gave, kept on disk so the device provisions once rather than on every
/// start (protocol-facts.md §6: DPS counts registrations against a limit, and the docs ask
/// devices to cache the hub and device ID).
///
/// The file is text a person can `cat`:
///
///     kelvin-assignment 1
///     hub=my-hub.azure-devices.net
///     device-id=my-x509-device
///     substatus=initialAssignment
///     assigned-at=1712345678
///     dps=global.azure-devices-provisioning.net
///     id-scope=0ne00111111
///     registration-id=my-x509-device
///     certificate-sha256=<64 lower-case hex digits>
///     crc32=<8 lower-case hex digits>
///
/// The last line is the CRC-32 of every byte before it, and the file ends with a newline, so a
/// write cut short anywhere is seen as torn. Values percent-encode `%`, control characters and
/// bytes from 0x7F up; readers ignore keys they do not know, so a later version can add some.
public struct SavedAssignment: Equatable, Sendable {
    public var assignment: Assignment
    /// Wall clock, Unix seconds, when DPS assigned it.
    public var assignedAtSeconds: Int64
    public var key: AssignmentKey

    /// The most a file may hold; real values take well under 1 KiB (host names are at most 253
    /// bytes, IDs 128).
    public static let maximumFileSize = 4096

    /// 9999-12-31T23:59:59Z: the latest `assigned-at` a file may say, so that its milliseconds
    /// (`× 1000`) fit every clock and timestamp that shows it.
    public static let latestAssignedAtSeconds: Int64 = UTCTimestamp.latestMilliseconds / 1000

    /// ``assignedAtSeconds`` in milliseconds, for a timestamp; saturating, since a value set in
    /// code rather than read from a file is not range-checked.
    public var assignedAtMilliseconds: Int64 {
        let (milliseconds, overflow) = assignedAtSeconds.multipliedReportingOverflow(by: 1000)
        return overflow ? (assignedAtSeconds < 0 ? .min : .max) : milliseconds
    }

    public init(assignment: Assignment, assignedAtSeconds: Int64, key: AssignmentKey) {
        self.assignment = assignment
        self.assignedAtSeconds = assignedAtSeconds
        self.key = key
    }

    /// The file's bytes.
    public func encoded() -> [UInt8] {
        let values = [assignment.hub.description, assignment.deviceID, assignment.substatus,
                      key.dpsEndpoint, key.idScope, key.registrationID, key.certificateSHA256]
        // Every value byte may become three; the fixed text is well under 256 bytes.
        var writer = ByteWriter(capacity: 256 + 3 * values.reduce(0) { $0 + $1.utf8.count })
        writer.append(Self.header)
        writer.append(UInt8(ascii: "\n"))
        Self.appendField(.hub, assignment.hub.description, to: &writer)
        Self.appendField(.deviceID, assignment.deviceID, to: &writer)
        Self.appendField(.substatus, assignment.substatus, to: &writer)
        writer.append(Field.assignedAt.name)
        writer.append(UInt8(ascii: "="))
        ASCII.appendDecimal(assignedAtSeconds, to: &writer)
        writer.append(UInt8(ascii: "\n"))
        Self.appendField(.dps, key.dpsEndpoint, to: &writer)
        Self.appendField(.idScope, key.idScope, to: &writer)
        Self.appendField(.registrationID, key.registrationID, to: &writer)
        Self.appendField(.certificateSHA256, key.certificateSHA256, to: &writer)
        ChecksummedText.seal(&writer)
        return writer.bytes
    }

    /// Reads a file written by ``encoded()``.
    /// - Throws: `SavedAssignmentError.tooLarge`, `.truncated` (torn write or no checksum line),
    ///   `.notAnAssignment`, `.unknownVersion`, `.checksumMismatch`, `.malformedLine`,
    ///   `.duplicateField`, `.missingField`, `.badValue` — anything but a complete, intact file
    ///   of a known version.
    public static func decode(_ bytes: [UInt8]) throws(SavedAssignmentError) -> SavedAssignment {
        guard bytes.count <= maximumFileSize else { throw .tooLarge(bytes: bytes.count) }
        guard bytes.last == UInt8(ascii: "\n") else { throw .truncated }
        // Another kind of file is named as such, checksummed or not.
        try checkHeader(bytes[..<(bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex)])
        let lines: [ArraySlice<UInt8>]
        do {
            lines = try ChecksummedText.lines(bytes)
        } catch {
            switch error {
            case .truncated: throw .truncated
            case .malformedChecksum(let line): throw .malformedLine(line)
            case .mismatch(let stored, let computed): throw .checksumMismatch(stored: stored, computed: computed)
            }
        }
        var values = FieldValues()
        for index in 1..<lines.count {
            let line = lines[index]
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { throw .malformedLine(index + 1) }
            guard let field = Field.named(line[..<equals]) else { continue }
            guard values[field] == nil else { throw .duplicateField(field.name.description) }
            guard let decoded = PercentDecoding.decode(line[(equals + 1)...]) else {
                throw .badValue(field: field.name.description, reason: "a % not followed by two hexadecimal digits")
            }
            let text = String(decoding: decoded, as: UTF8.self)
            guard text.utf8.elementsEqual(decoded) else {
                throw .badValue(field: field.name.description, reason: "not UTF-8 text")
            }
            values[field] = text
        }
        return try values.assignment()
    }

    /// Nil when this assignment is valid for `key`; otherwise what differs, for the log line.
    ///
    /// The certificate comes first: a new certificate usually brings a new CN too, and "another
    /// certificate" is the change the user made. Comparison is byte for byte: any change, even
    /// of case, is worth a fresh registration, and it needs no Unicode tables on the device.
    public func mismatch(with key: AssignmentKey) -> AssignmentMismatch? {
        if !self.key.certificateSHA256.utf8.elementsEqual(key.certificateSHA256.utf8) {
            return .certificate(savedSHA256: self.key.certificateSHA256)
        }
        if !self.key.registrationID.utf8.elementsEqual(key.registrationID.utf8) {
            return .registrationID(saved: self.key.registrationID)
        }
        if !self.key.idScope.utf8.elementsEqual(key.idScope.utf8) {
            return .idScope(saved: self.key.idScope)
        }
        if !self.key.dpsEndpoint.utf8.elementsEqual(key.dpsEndpoint.utf8) {
            return .dpsEndpoint(saved: self.key.dpsEndpoint)
        }
        return nil
    }

    private static let header: StaticString = "kelvin-assignment 1"
    private static let magic: StaticString = "kelvin-assignment "

    private static func checkHeader(_ line: ArraySlice<UInt8>) throws(SavedAssignmentError) {
        let magicLength = magic.utf8CodeUnitCount
        guard ASCII.equals(line.prefix(magicLength), magic) else { throw .notAnAssignment }
        let version = line.dropFirst(magicLength)
        guard ASCII.equals(version, "1") else {
            throw .unknownVersion(PrintableText.escaped(version.prefix(16)))
        }
    }

    private static func appendField(_ field: Field, _ value: String, to writer: inout ByteWriter) {
        writer.append(field.name)
        writer.append(UInt8(ascii: "="))
        for byte in value.utf8 {
            if byte == UInt8(ascii: "%") || byte < 0x20 || byte >= 0x7F {
                writer.append(UInt8(ascii: "%"))
                ASCII.appendHexadecimal(byte, to: &writer)
            } else {
                writer.append(byte)
            }
        }
        writer.append(UInt8(ascii: "\n"))
    }

    /// The keys of version 1, in the order they are written.
    private enum Field: Int, CaseIterable {
        case hub, deviceID, substatus, assignedAt, dps, idScope, registrationID, certificateSHA256

        var name: StaticString {
            switch self {
            case .hub: return "hub"
            case .deviceID: return "device-id"
            case .substatus: return "substatus"
            case .assignedAt: return "assigned-at"
            case .dps: return "dps"
            case .idScope: return "id-scope"
            case .registrationID: return "registration-id"
            case .certificateSHA256: return "certificate-sha256"
            }
        }

        static func named(_ bytes: ArraySlice<UInt8>) -> Field? {
            allCases.first { ASCII.equals(bytes, $0.name) }
        }
    }

    /// The values read so far, one slot per field.
    private struct FieldValues {
        private var slots = [String?](repeating: nil, count: Field.allCases.count)

        subscript(field: Field) -> String? {
            get { slots[field.rawValue] }
            set { slots[field.rawValue] = newValue }
        }

        func assignment() throws(SavedAssignmentError) -> SavedAssignment {
            // Every value came from a file anyone with the state directory could have written,
            // and each ends up in a connection, a URL, a header or a log line.
            let hubText = try required(.hub)
            guard let hub = Endpoint(hostName: hubText) else {
                throw .badValue(field: Field.hub.name.description, reason: "\"\(PrintableText.escaped(hubText))\", not \(Endpoint.hostNameRule)")
            }
            let deviceID = try text(.deviceID, maximumBytes: 128)
            guard let assignedAt = ASCII.parseDecimal(ArraySlice(try required(.assignedAt).utf8), as: Int64.self),
                  assignedAt >= 0, assignedAt <= SavedAssignment.latestAssignedAtSeconds else {
                throw .badValue(field: Field.assignedAt.name.description, reason: "not a whole number of seconds from 0 to \(SavedAssignment.latestAssignedAtSeconds)")
            }
            let thumbprint = try required(.certificateSHA256)
            guard thumbprint.utf8.count == 64, thumbprint.utf8.allSatisfy({ ChecksummedText.lowerCaseHexadecimalValue($0) != nil }) else {
                throw .badValue(field: Field.certificateSHA256.name.description, reason: "not 64 lower-case hexadecimal digits")
            }
            return SavedAssignment(
                assignment: Assignment(hub: hub, deviceID: deviceID, substatus: try text(.substatus, maximumBytes: 64, mayBeEmpty: true)),
                assignedAtSeconds: assignedAt,
                key: AssignmentKey(
                    dpsEndpoint: try text(.dps, maximumBytes: 260),
                    idScope: try text(.idScope, maximumBytes: 64),
                    registrationID: try text(.registrationID, maximumBytes: RegistrationID.maximumLength),
                    certificateSHA256: thumbprint
                )
            )
        }

        /// A field that must be text of at most `maximumBytes` without control characters.
        private func text(_ field: Field, maximumBytes: Int, mayBeEmpty: Bool = false) throws(SavedAssignmentError) -> String {
            let value = try required(field)
            let name = field.name.description
            guard mayBeEmpty || !value.isEmpty else { throw .badValue(field: name, reason: "empty") }
            guard value.utf8.count <= maximumBytes else { throw .badValue(field: name, reason: "longer than \(maximumBytes) bytes") }
            guard PrintableText.isClean(value) else {
                throw .badValue(field: name, reason: "\"\(PrintableText.escaped(value))\", with control characters")
            }
            return value
        }

        private func required(_ field: Field) throws(SavedAssignmentError) -> String {
            guard let value = self[field] else { throw .missingField(field.name.description) }
            return value
        }
    }
}

/// Why a saved assignment does not fit the current settings; each reads as a log line.
public enum AssignmentMismatch: Equatable, Sendable, CustomStringConvertible {
    case dpsEndpoint(saved: String)
    case idScope(saved: String)
    case registrationID(saved: String)
    case certificate(savedSHA256: String)

    public var description: String {
        switch self {
        case .dpsEndpoint(let saved):
            return "the saved assignment is from another DPS endpoint (\(saved)), provisioning again"
        case .idScope(let saved):
            return "the saved assignment is for another ID scope (\(saved)), provisioning again"
        case .registrationID(let saved):
            return "the saved assignment is for another registration ID (\(saved)), provisioning again"
        case .certificate(let saved):
            // Twelve digits tell certificates apart in a log without filling the line.
            let shown = String(decoding: saved.utf8.prefix(12), as: UTF8.self)
            return "the saved assignment is for another certificate (SHA-256 \(shown)…), provisioning again"
        }
    }
}

/// Why a saved assignment file cannot be used. None is fatal: the device provisions again and
/// writes a fresh file.
public enum SavedAssignmentError: Error, Equatable, CustomStringConvertible {
    case tooLarge(bytes: Int)
    /// No final newline or no checksum line: a write cut short.
    case truncated
    case notAnAssignment
    case unknownVersion(String)
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// The 1-based line number.
    case malformedLine(Int)
    case duplicateField(String)
    case missingField(String)
    case badValue(field: String, reason: String)

    public var description: String {
        let consequence = "; ignoring it and provisioning again through DPS"
        switch self {
        case .tooLarge(let bytes):
            return "the saved assignment is \(bytes) bytes, more than the \(SavedAssignment.maximumFileSize) one can take" + consequence
        case .truncated:
            return "the saved assignment is incomplete (its write was cut short)" + consequence
        case .notAnAssignment:
            return "the saved assignment file does not start with \"kelvin-assignment\"" + consequence
        case .unknownVersion(let version):
            return "the saved assignment is format version \"\(version)\", which this Kelvin does not know" + consequence
        case .checksumMismatch(let stored, let computed):
            return "the saved assignment is damaged (CRC-32 \(ChecksummedText.hexadecimal(computed)), the file says \(ChecksummedText.hexadecimal(stored)))" + consequence
        case .malformedLine(let line):
            return "the saved assignment's line \(line) is not key=value" + consequence
        case .duplicateField(let field):
            return "the saved assignment has \(field) twice" + consequence
        case .missingField(let field):
            return "the saved assignment has no \(field)" + consequence
        case .badValue(let field, let reason):
            return "the saved assignment's \(field) is \(reason)" + consequence
        }
    }
}

