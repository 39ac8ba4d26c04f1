import HTTP1
import Wire

/// A name and value every message carries as `iothub-app-<name>: <value>`, for routing and
/// filtering on the hub without reading the body (protocol-facts.md §3.1).
///
/// Over HTTPS both may hold only ASCII letters, digits and ``allowedPunctuation``. The hub sets
/// no per-property bound beyond counting names and values against the 256 KB message size
/// (§3.3); ``maximumNameBytes`` (the message ID's limit) and ``maximumValueBytes`` are this
/// client's, so that properties stay a small, fixed part of each message and of each batch entry.
public struct ApplicationProperty: Equatable, Sendable {
    public let name: String
    public let value: String

    public static let maximumNameBytes = 128
    public static let maximumValueBytes = 1024
    /// HTTP's token punctuation (RFC 9110 §5.6.2): the hub's rule for property names and
    /// values sent over HTTPS.
    public static let allowedPunctuation = HTTPRequestEncoder.tokenPunctuation
    /// Names the hub or this client use for themselves: the creation time travels as the
    /// application property `iothub-creation-time-utc`.
    public static let reservedPrefix: StaticString = "iothub-"

    /// - Throws: `ApplicationPropertyError.emptyName`, `.nameTooLong`, `.characterNotAllowed`,
    ///   `.reservedName`, `.emptyValue` or `.valueTooLong`: the first rule broken.
    public init(name: String, value: String) throws(ApplicationPropertyError) {
        guard !name.isEmpty else { throw .emptyName(value: value) }
        guard name.utf8.count <= Self.maximumNameBytes else { throw .nameTooLong(name: name, bytes: name.utf8.count) }
        if let scalar = Self.firstDisallowed(name) { throw .characterNotAllowed(name: name, scalar, inValue: false) }
        guard !Self.hasReservedPrefix(name) else { throw .reservedName(name: name) }
        guard !value.isEmpty else { throw .emptyValue(name: name) }
        guard value.utf8.count <= Self.maximumValueBytes else { throw .valueTooLong(name: name, bytes: value.utf8.count) }
        if let scalar = Self.firstDisallowed(value) { throw .characterNotAllowed(name: name, scalar, inValue: true) }
        self.name = name
        self.value = value
    }

    /// Parses `NAME=VALUE` as a command line or configuration file gives it; the value is
    /// everything after the first `=`.
    ///
    /// - Throws: `ApplicationPropertyError.notAnAssignment` without an `=`, else what
    ///   ``init(name:value:)`` throws.
    public init(parsing assignment: String) throws(ApplicationPropertyError) {
        guard let equals = assignment.utf8.firstIndex(of: UInt8(ascii: "=")) else { throw .notAnAssignment(assignment) }
        let utf8 = assignment.utf8
        try self.init(
            name: String(decoding: utf8[utf8.startIndex..<equals], as: UTF8.self),
            value: String(decoding: utf8[utf8.index(after: equals)...], as: UTF8.self)
        )
    }

    /// Byte-wise: names and values are ASCII, and String comparison would pull Unicode tables
    /// into the device binary.
    public static func == (lhs: ApplicationProperty, rhs: ApplicationProperty) -> Bool {
        lhs.name.utf8.elementsEqual(rhs.name.utf8) && lhs.value.utf8.elementsEqual(rhs.value.utf8)
    }

    /// True for `other`'s name in any letter case: HTTP header names ignore case, so the two
    /// would be one header.
    func hasSameName(as other: ApplicationProperty) -> Bool {
        name.utf8.count == other.name.utf8.count
            && zip(name.utf8, other.name.utf8).allSatisfy { ASCII.lowercased($0) == ASCII.lowercased($1) }
    }

    private static func firstDisallowed(_ text: String) -> Unicode.Scalar? {
        for scalar in text.unicodeScalars where !scalar.isASCII || !HTTPRequestEncoder.isTokenCharacter(UInt8(scalar.value)) { return scalar }
        return nil
    }

    private static func hasReservedPrefix(_ name: String) -> Bool {
        ASCII.equalsIgnoringCase(name.utf8.prefix(reservedPrefix.utf8CodeUnitCount), reservedPrefix)
    }
}

/// Why an application property cannot be sent.
public enum ApplicationPropertyError: Error, Equatable, CustomStringConvertible {
    case notAnAssignment(String)
    case emptyName(value: String)
    case nameTooLong(name: String, bytes: Int)
    case characterNotAllowed(name: String, Unicode.Scalar, inValue: Bool)
    case reservedName(name: String)
    case emptyValue(name: String)
    case valueTooLong(name: String, bytes: Int)

    public var description: String {
        switch self {
        case .notAnAssignment(let text):
            return "application property \"\(text)\" has no '='; write it as NAME=VALUE"
        case .emptyName(let value):
            return "application property with value \"\(value)\" has an empty name; write it as NAME=VALUE"
        case .nameTooLong(let name, let bytes):
            return "application property \"\(name)\": the name is \(bytes) bytes long; shorten it to at most \(ApplicationProperty.maximumNameBytes)"
        case .characterNotAllowed(let name, let scalar, let inValue):
            return "application property \"\(name)\": \(Self.show(scalar)) is not allowed in its \(inValue ? "value" : "name"); "
                + "use only ASCII letters, digits and \(ApplicationProperty.allowedPunctuation)"
        case .reservedName(let name):
            return "application property \"\(name)\": names starting with \"\(ApplicationProperty.reservedPrefix)\" are reserved for the hub; choose another name"
        case .emptyValue(let name):
            return "application property \"\(name)\" has an empty value; give it one, as \(name)=VALUE"
        case .valueTooLong(let name, let bytes):
            return "application property \"\(name)\": the value is \(bytes) bytes long; shorten it to at most \(ApplicationProperty.maximumValueBytes)"
        }
    }

    /// Printable characters quoted; a space or control by its code point, so that it is seen.
    private static func show(_ scalar: Unicode.Scalar) -> String {
        guard scalar.value <= 0x20 || scalar.value == 0x7F else { return "'" + String(Character(scalar)) + "'" }
        let digits: StaticString = "0123456789ABCDEF"
        return digits.withUTF8Buffer { table in
            ByteWriter.text(capacity: 6) { writer in
                writer.append("U+00")
                writer.append(table[Int(scalar.value >> 4)])
                writer.append(table[Int(scalar.value & 0x0F)])
            }
        }
    }
}
