import Foundation
import Testing

@testable import KelvinCloud

@Suite struct ServiceIdentifierTests {
    /// `<digit>.<16 hex>.<uuid>`, as DPS issues them (protocol facts §1.4).
    static func hasOperationIDShape(_ candidate: String) -> Bool {
        let parts = candidate.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 1, parts[0].allSatisfy(\.isNumber) else { return false }
        guard parts[1].count == 16, parts[1].allSatisfy(\.isHexDigit) else { return false }
        return hasUUIDShape(String(parts[2]))
    }

    static func hasUUIDShape(_ candidate: String) -> Bool {
        let groups = candidate.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12]
            && groups.allSatisfy { $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } }
    }

    @Test func operationIDs_haveTheRealServicesShapeAndDiffer() {
        var generator = SystemRandomNumberGenerator()
        let identifiers = (0..<200).map { _ in ServiceIdentifier.operationID(using: &generator) }
        #expect(identifiers.allSatisfy(Self.hasOperationIDShape))
        #expect(Set(identifiers).count == identifiers.count)
    }

    @Test func uuids_areVersion4() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let uuid = ServiceIdentifier.uuid(using: &generator)
            #expect(Self.hasUUIDShape(uuid))
            let characters = Array(uuid)
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
        }
    }

    @Test func etag_isBase64OfAQuotedUUID() throws {
        var generator = SystemRandomNumberGenerator()
        let etag = ServiceIdentifier.etag(using: &generator)
        let decoded = try #require(Data(base64Encoded: etag).map { String(decoding: $0, as: UTF8.self) })
        #expect(decoded.hasPrefix("\"") && decoded.hasSuffix("\""))
        #expect(Self.hasUUIDShape(String(decoded.dropFirst().dropLast())))
    }
}
