import Foundation

/// The hub's batch format, `application/vnd.microsoft.iothub.json` (protocol facts §3.4): a JSON
/// array of `{"body": …, "base64Encoded": true|false, "properties": {…}}`.
enum TelemetryBatch {
    static let contentType = "application/vnd.microsoft.iothub.json"

    struct Element: Equatable {
        var body: [UInt8]
        var properties: [HTTPHeaderField]
    }

    /// - Throws: ``TelemetryBatchError`` saying which element is malformed and how.
    static func parse(_ bytes: [UInt8]) throws(TelemetryBatchError) -> [Element] {
        guard let document = try? JSONSerialization.jsonObject(with: Data(bytes)) else {
            throw TelemetryBatchError(reason: "the body is not JSON")
        }
        guard let array = document as? [Any] else {
            throw TelemetryBatchError(reason: "the body must be a JSON array of messages")
        }
        guard !array.isEmpty else {
            throw TelemetryBatchError(reason: "the batch holds no messages")
        }
        var elements: [Element] = []
        elements.reserveCapacity(array.count)
        for (index, item) in array.enumerated() {
            guard let object = item as? [String: Any] else {
                throw TelemetryBatchError(reason: "message \(index) is not a JSON object")
            }
            guard let body = object["body"] as? String else {
                throw TelemetryBatchError(reason: "message \(index) has no string \"body\"")
            }
            // The SDKs treat a missing flag as true.
            let isBase64 = (object["base64Encoded"] as? Bool) ?? true
            let decoded: [UInt8]
            if isBase64 {
                guard let data = Data(base64Encoded: body) else {
                    throw TelemetryBatchError(reason: "message \(index): \"body\" is not valid base64")
                }
                decoded = Array(data)
            } else {
                decoded = Array(body.utf8)
            }
            var properties: [HTTPHeaderField] = []
            if let rawProperties = object["properties"] {
                guard let dictionary = rawProperties as? [String: Any] else {
                    throw TelemetryBatchError(reason: "message \(index): \"properties\" is not an object")
                }
                for name in dictionary.keys.sorted() {
                    guard let value = dictionary[name] as? String else {
                        throw TelemetryBatchError(reason: "message \(index): property \(name) is not a string")
                    }
                    properties.append(HTTPHeaderField(name: name, value: value))
                }
            }
            elements.append(Element(body: decoded, properties: properties))
        }
        return elements
    }
}

struct TelemetryBatchError: Error, Equatable {
    var reason: String
}
