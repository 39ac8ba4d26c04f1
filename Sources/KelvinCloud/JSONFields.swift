import Foundation

/// Typed access to a JSON object's fields with errors that name the object and the field, for
/// the admin API and the setup file, where a person typed the JSON.
struct JSONFields {
    /// How errors name the object, e.g. `enrollment "my-device"`.
    var context: String
    var object: [String: Any]

    init(_ value: Any?, context: String) throws(JSONFieldError) {
        guard let object = value as? [String: Any] else {
            throw JSONFieldError("\(context) must be a JSON object")
        }
        self.context = context
        self.object = object
    }

    /// Parses a request or file body that must be one JSON object.
    init(parsing bytes: [UInt8], context: String) throws(JSONFieldError) {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(bytes.isEmpty ? Array("{}".utf8) : bytes))
        } catch {
            // Foundation says where parsing stopped only in the debug description.
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey].map { " (\($0))" } ?? ""
            throw JSONFieldError("\(context) is not valid JSON\(detail); send one JSON object")
        }
        try self.init(value, context: context)
    }

    func rejectUnknown(allowed: Set<String>) throws(JSONFieldError) {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw JSONFieldError(
                "\(context): unknown field \"\(unknown)\" (known: \(allowed.sorted().joined(separator: ", ")))"
            )
        }
    }

    func string(_ key: String) throws(JSONFieldError) -> String? {
        guard let value = object[key] else { return nil }
        guard let text = value as? String else { throw JSONFieldError("\(context): \"\(key)\" must be a string") }
        return text
    }

    func requiredString(_ key: String) throws(JSONFieldError) -> String {
        guard let text = try string(key), !text.isEmpty else {
            throw JSONFieldError("\(context): \"\(key)\" is required")
        }
        return text
    }

    func bool(_ key: String) throws(JSONFieldError) -> Bool? {
        guard let value = object[key] else { return nil }
        // JSONSerialization gives NSNumber for numbers and booleans alike; only a JSON true or
        // false (type code "c") is accepted, so 1 is not taken for true.
        guard let number = value as? NSNumber, String(cString: number.objCType) == "c" else {
            throw JSONFieldError("\(context): \"\(key)\" must be true or false")
        }
        return number.boolValue
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(JSONFieldError) -> Int? {
        guard let value = object[key] else { return nil }
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c",
            let integer = Int(exactly: number.doubleValue), range.contains(integer)
        else {
            throw JSONFieldError("\(context): \"\(key)\" must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return integer
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws(JSONFieldError) -> Double? {
        guard let value = object[key] else { return nil }
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c",
            range.contains(number.doubleValue)
        else {
            throw JSONFieldError("\(context): \"\(key)\" must be a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number.doubleValue
    }

    func strings(_ key: String) throws(JSONFieldError) -> [String]? {
        guard let value = object[key] else { return nil }
        guard let array = value as? [String] else {
            throw JSONFieldError("\(context): \"\(key)\" must be an array of strings")
        }
        return array
    }

    func objects(_ key: String) throws(JSONFieldError) -> [Any] {
        guard let value = object[key] else { return [] }
        guard let array = value as? [Any] else { throw JSONFieldError("\(context): \"\(key)\" must be an array") }
        return array
    }
}

public struct JSONFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
