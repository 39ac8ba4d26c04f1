import Foundation
import Testing

@testable import KelvinCloud

@Suite struct WireFormatTests {
    @Test func json_keepsKeyOrderAndEscapes() {
        let value = JSONValue.object([
            ("b", .string("quote \" backslash \\ newline \n tab \t bell \u{07} é")),
            ("a", .array([.integer(-1), .bool(true), .null, .object([])])),
        ])
        #expect(
            value.serialized == #"{"b":"quote \" backslash \\ newline \n tab \t bell \u0007 é","a":[-1,true,null,{}]}"#
        )
    }

    @Test func azureTimestamp_hasSevenFractionalDigitsInUTC() {
        let instant = Date(timeIntervalSince1970: 1_661_622_799.514_349_7)
        #expect(WireTime.azureTimestamp(instant).hasPrefix("2022-08-27T17:53:19.51434"))
        #expect(WireTime.azureTimestamp(instant).hasSuffix("Z"))
        #expect(WireTime.azureTimestamp(instant).count == "2022-08-27T17:53:19.5143497Z".count)
        #expect(WireTime.azureTimestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.0000000Z")
    }

    @Test func httpDate_isIMFFixdate() {
        #expect(WireTime.httpDate(Date(timeIntervalSince1970: 1_661_622_798)) == "Sat, 27 Aug 2022 17:53:18 GMT")
        #expect(WireTime.httpDate(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test func headerLookup_ignoresCase() {
        let headers = [HTTPHeaderField(name: "Retry-After", value: "3")]
        #expect(headers.value(named: "retry-after") == "3")
        #expect(headers.value(named: "Location") == nil)
    }
}
