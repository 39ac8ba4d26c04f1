/// A device-to-cloud message's properties, from HTTP headers or a batch element's `properties`
/// (protocol facts §3.1): `iothub-*` system properties and `iothub-app-<name>` application
/// properties, checked against the hub's character rules.
public struct MessageProperties: Sendable, Equatable {
    /// System properties by header name, e.g. `iothub-messageid`, `iothub-contenttype`.
    public var system: [HTTPHeaderField]
    /// Application properties with the `iothub-app-` prefix removed.
    public var application: [HTTPHeaderField]

    static let applicationPrefix = "iothub-app-"
    /// The one application property whose value may hold `:`: the hub takes
    /// `iothub-app-iothub-creation-time-utc` as the creation time of batched messages
    /// (docs/azure-facts.md §8), and a time needs its colons.
    static let creationTimeName = "iothub-creation-time-utc"
    static let maximumMessageIDLength = 128

    public var messageID: String? { system.value(named: "iothub-messageid") }

    init(system: [HTTPHeaderField], application: [HTTPHeaderField]) {
        self.system = system
        self.application = application
    }

    /// Picks the properties out of `fields`; other headers (Content-Type, Host…) are ignored.
    ///
    /// - Throws: ``MessagePropertyError`` naming the first property the hub would refuse.
    init(fields: [HTTPHeaderField]) throws(MessagePropertyError) {
        system = []
        application = []
        for field in fields {
            let name = field.name.lowercased()
            if name.hasPrefix(Self.applicationPrefix) {
                let propertyName = String(field.name.dropFirst(Self.applicationPrefix.count))
                guard !propertyName.isEmpty, propertyName.utf8.allSatisfy(Self.isTokenCharacter) else {
                    throw MessagePropertyError(name: field.name, rule: "names may only use RFC 7230 token characters")
                }
                if propertyName.lowercased() == Self.creationTimeName {
                    guard !field.value.isEmpty, field.value.utf8.allSatisfy(Self.isTimestampCharacter) else {
                        throw MessagePropertyError(name: field.name, rule: "the creation time is a UTC time such as 2026-12-07T10:15:00Z")
                    }
                } else {
                    guard field.value.utf8.allSatisfy(Self.isTokenCharacter) else {
                        throw MessagePropertyError(
                            name: field.name,
                            rule: "values sent over HTTPS may only use ASCII letters, digits and !#$%&'*+-.^_`|~"
                        )
                    }
                }
                application.append(HTTPHeaderField(name: propertyName, value: field.value))
            } else if name.hasPrefix("iothub-") || name == "dt-subject" {
                system.append(HTTPHeaderField(name: name, value: field.value))
            }
        }
        if let messageID {
            guard !messageID.isEmpty, messageID.utf8.count <= Self.maximumMessageIDLength,
                messageID.utf8.allSatisfy(Self.isMessageIDCharacter)
            else {
                throw MessagePropertyError(
                    name: "iothub-messageid",
                    rule: "at most 128 ASCII letters, digits and -:.+%_#*?!(),=@;$'"
                )
            }
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }

    private static func isTimestampCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || Array("-:.TZ".utf8).contains(byte)
    }

    private static func isMessageIDCharacter(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || Array("-:.+%_#*?!(),=@;$'".utf8).contains(byte)
    }
}

/// A property the hub refuses with 400.
struct MessagePropertyError: Error, Equatable {
    var name: String
    var rule: String
}
