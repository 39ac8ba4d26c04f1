/// The DPS registration ID rules.
///
/// "A case-insensitive string of alphanumeric characters plus the special characters '-', '.',
/// '_', ':'. The last character must be alphanumeric or dash. Up to 128 characters."
/// (DPS "X.509 over HTTPS without an SDK" how-to; protocol facts §4.1.)
public enum RegistrationID {
    public static let maximumLength = 128

    public static func isValid(_ candidate: String) -> Bool {
        guard !candidate.isEmpty, candidate.utf8.count <= maximumLength else { return false }
        let isAlphanumeric: (UInt8) -> Bool = { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        let allowedSpecials: Set<UInt8> = [UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":")]
        guard candidate.utf8.allSatisfy({ isAlphanumeric($0) || allowedSpecials.contains($0) }) else { return false }
        let last = candidate.utf8.last!
        return isAlphanumeric(last) || last == UInt8(ascii: "-")
    }
}
