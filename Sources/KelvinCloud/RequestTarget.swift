/// An HTTP request target (`/path/segments?query`) split into decoded parts.
///
/// SDKs percent-encode the ID scope, registration ID, operation ID and device ID, so routing must
/// compare decoded segments.
struct RequestTarget: Equatable {
    /// Decoded path segments; empty segments (from `//` or a trailing `/`) are dropped.
    var pathSegments: [String]
    /// Decoded query parameters in order; a name without `=` has an empty value.
    var queryItems: [(name: String, value: String)]

    init(_ target: String) {
        let pathPart: Substring
        let queryPart: Substring?
        if let question = target.firstIndex(of: "?") {
            pathPart = target[..<question]
            queryPart = target[target.index(after: question)...]
        } else {
            pathPart = target[...]
            queryPart = nil
        }
        pathSegments = pathPart.split(separator: "/").map { Self.percentDecoded($0, plusIsSpace: false) }
        queryItems = (queryPart ?? "").split(separator: "&").map { item in
            if let equals = item.firstIndex(of: "=") {
                return (
                    Self.percentDecoded(item[..<equals], plusIsSpace: true),
                    Self.percentDecoded(item[item.index(after: equals)...], plusIsSpace: true)
                )
            }
            return (Self.percentDecoded(item, plusIsSpace: true), "")
        }
    }

    /// The first value of a query parameter; names are case-sensitive, as Azure's are.
    func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// Decodes `%XX` escapes; a malformed escape is kept literally rather than rejected, so that
    /// the request still reaches a handler that can answer with a meaningful error.
    static func percentDecoded(_ text: Substring, plusIsSpace: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let high = hexValue(utf8[utf8.startIndex]),
                let low = hexValue(utf8[utf8.index(after: utf8.startIndex)])
            {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else if byte == UInt8(ascii: "+") && plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func == (lhs: RequestTarget, rhs: RequestTarget) -> Bool {
        lhs.pathSegments == rhs.pathSegments
            && lhs.queryItems.map(\.name) == rhs.queryItems.map(\.name)
            && lhs.queryItems.map(\.value) == rhs.queryItems.map(\.value)
    }
}
