/// One request or response header line, kept in arrival order with its original spelling.
public struct HTTPHeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeaderField {
    /// The first value of a header, matching the name case-insensitively as HTTP requires.
    public func value(named name: String) -> String? {
        first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

extension StringProtocol {
    /// ASCII case-insensitive comparison: header names, registration IDs and ID scopes are ASCII.
    func caseInsensitiveEquals(_ other: some StringProtocol) -> Bool {
        lowercased() == other.lowercased()
    }
}
