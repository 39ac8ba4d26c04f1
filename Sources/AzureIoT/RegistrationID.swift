/// A DPS registration ID: for X.509 attestation, the subject common name of the device
/// certificate (protocol-facts.md §4.1).
public struct RegistrationID: Equatable, Sendable, CustomStringConvertible {
    public let value: String

    /// DPS accepts up to 128 characters, though a certificate CN holds at most 64.
    public static let maximumLength = 128

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case tooLong(length: Int)
        case invalidCharacter(Character)
        case invalidLastCharacter(Character)

        public var description: String {
            switch self {
            case .empty:
                return "is empty"
            case .tooLong(let length):
                return "is \(length) characters long; DPS allows at most \(RegistrationID.maximumLength)"
            case .invalidCharacter(let character):
                return "contains '\(character)'; DPS allows only letters, digits and - . _ :"
            case .invalidLastCharacter(let character):
                return "ends with '\(character)'; DPS requires the last character to be a letter, digit or -"
            }
        }
    }

    /// Validates a certificate CN against DPS's registration ID rules.
    /// - Throws: the first `Problem` found.
    public init(commonName: String) throws(Problem) {
        var count = 0
        var last: UInt8 = 0
        for byte in commonName.utf8 {
            count += 1
            last = byte
            guard Self.isAllowed(byte) else { throw .invalidCharacter(Character(Unicode.Scalar(byte))) }
        }
        guard count > 0 else { throw .empty }
        guard count <= Self.maximumLength else { throw .tooLong(length: count) }
        guard Self.isAlphanumeric(last) || last == UInt8(ascii: "-") else {
            throw .invalidLastCharacter(Character(Unicode.Scalar(last)))
        }
        value = commonName
    }

    /// True when the ID has upper-case letters: DPS compares IDs without case today, but has
    /// rejected upper-case CNs before (400004), so a warning is worth printing.
    public var hasUpperCase: Bool {
        value.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }

    public var description: String { value }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    /// Whether `byte` may appear in a registration ID: letters, digits and `- . _ :`. A
    /// message-ID prefix (registration ID, `-`, hex) takes the same bytes, which is how a
    /// prefix read back from a file is checked before it reaches a header.
    public static func isAllowed(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
    }
}
