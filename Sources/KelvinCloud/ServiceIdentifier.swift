import Foundation

/// Identifiers in the shapes the real services produce.
///
/// Clients must treat them as opaque, but matching the shape catches parsers with fixed-size
/// buffers or overly strict patterns before they meet Azure.
enum ServiceIdentifier {
    /// `<digit>.<16 hex>.<uuid>`, e.g. `5.506603669bd3e2bf.b3602f8f-76fe-4341-9214-bb6cfb891b8a`.
    static func operationID(using generator: inout some RandomNumberGenerator) -> String {
        let partition = Int.random(in: 1...9, using: &generator)
        let hex = String(UInt64.random(in: .min ... .max, using: &generator), radix: 16)
        let session = String(repeating: "0", count: 16 - hex.count) + hex
        return "\(partition).\(session).\(uuid(using: &generator))"
    }

    /// A lower-case RFC 4122 version-4 UUID, as `trackingId` and `x-ms-request-id` carry.
    static func uuid(using generator: inout some RandomNumberGenerator) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 0x10 ? "0" + digits : digits
        }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }

    /// An etag like DPS's: base64 of a quoted GUID-like string.
    static func etag(using generator: inout some RandomNumberGenerator) -> String {
        Data("\"\(uuid(using: &generator))\"".utf8).base64EncodedString()
    }
}
