import Testing
import Wire

@Suite struct ByteWriterTests {
    @Test func appendsPastCapacity_areDroppedAndReportedByFinish() {
        var writer = ByteWriter(capacity: 4)
        writer.append("abcdef")
        #expect(writer.bytes == Array("abcd".utf8))
        #expect(throws: WireError.capacityExceeded(capacity: 4)) { try writer.finish() }
        writer.reset()
        writer.append("ab")
        #expect(throws: Never.self) { try writer.finish() }
        #expect(writer.bytes == Array("ab".utf8))
    }

    @Test(arguments: [(0, "0"), (7, "7"), (-42, "-42"), (1_234_567, "1234567"), (Int.min, "-9223372036854775808"), (Int.max, "9223372036854775807")])
    func decimalFormatting_coversTheWholeRange(value: Int, text: String) {
        #expect(ASCII.decimalString(value) == text)
    }

    @Test func decimalParsing_rejectsNonDigitsAndOverflow() {
        #expect(ASCII.parseDecimal("123") == 123)
        #expect(ASCII.parseDecimal("-5") == -5)
        #expect(ASCII.parseDecimal("") == nil)
        #expect(ASCII.parseDecimal("-") == nil)
        #expect(ASCII.parseDecimal("12a") == nil)
        #expect(ASCII.parseDecimal("99999999999999999999") == nil)
        #expect(ASCII.parseHexadecimal(ArraySlice("1aF".utf8)) == 0x1AF)
        #expect(ASCII.parseHexadecimal(ArraySlice("xyz".utf8)) == nil)
    }

    @Test func hexadecimalThumbprint_isLowerCase() {
        #expect(ASCII.hexadecimalString([0x00, 0xAB, 0x7F]) == "00ab7f")
    }
}

@Suite struct MillidegreesTests {
    @Test(arguments: [
        (23_125, 2, "23.13"), (23_124, 2, "23.12"), (-500, 2, "-0.50"), (-4, 2, "0.00"),
        (30_000, 0, "30"), (21_500, 1, "21.5"), (-40_125, 3, "-40.125"), (0, 2, "0.00"), (85_000, 2, "85.00"),
    ])
    func formatting_roundsHalfAwayFromZero(milli: Int32, digits: Int, text: String) {
        #expect(Millidegrees(milli).formatted(fractionDigits: digits) == text)
    }
}

@Suite struct JSONTests {
    // The assigned response of the seed walkthrough, verbatim.
    static let assigned = """
        {
           "operationId":"5.506603669bd3e2bf.b3602f8f-76fe-4341-9214-bb6cfb891b8a",
           "status":"assigned",
           "registrationState":{
              "x509":{
              },
              "registrationId":"my-x509-device",
              "createdDateTimeUtc":"2022-08-27T17:53:19.5143497Z",
              "assignedHub":"MyExampleHub.azure-devices.net",
              "deviceId":"my-x509-device",
              "status":"assigned",
              "substatus":"initialAssignment",
              "lastUpdatedDateTimeUtc":"2022-08-27T17:53:19.7519141Z",
              "etag":"IjEyMDA4NmYyLTAwMDAtMDMwMC0wMDAwLTYzMGE1YTBmMDAwMCI="
           }
        }
        """

    @Test func readsNestedFieldsOfTheWalkthroughResponse() throws {
        let reader = try JSONReader(Array(Self.assigned.utf8))
        #expect(try reader.string(at: ["status"]) == "assigned")
        #expect(try reader.string(at: ["registrationState", "assignedHub"]) == "MyExampleHub.azure-devices.net")
        #expect(try reader.string(at: ["registrationState", "deviceId"]) == "my-x509-device")
        #expect(try reader.string(at: ["registrationState", "missing"]) == nil)
        #expect(try reader.string(at: ["nope", "deeper"]) == nil)
        #expect(try reader.rawValue(at: ["registrationState", "x509"]).map { Array($0) } == Array("{\n      }".utf8))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let reader = try JSONReader(Array(#"{"a":"q\"b\\s\/\n\u00e9\ud83d\ude00","n":-12,"z":null}"#.utf8))
        #expect(try reader.string(at: ["a"]) == "q\"b\\s/\né😀")
        #expect(try reader.integer(at: ["n"]) == -12)
        #expect(try reader.string(at: ["z"]) == nil)
    }

    @Test func typeMismatch_namesThePath() throws {
        let reader = try JSONReader(Array(#"{"errorCode":"x","message":3}"#.utf8))
        #expect(throws: JSONError.typeMismatch(path: "errorCode", expected: "an integer")) { try reader.integer(at: ["errorCode"]) }
        #expect(throws: JSONError.typeMismatch(path: "message", expected: "a string")) { try reader.string(at: ["message"]) }
    }

    @Test(arguments: [
        "", "{", #"{"a":}"#, #"{"a":1,}"#, "[1 2]", #"{"a":tru}"#, #"{"a":"\x"}"#, "01", "1.", #""\ud800""#, "{} {}",
        String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
    ])
    func malformedDocuments_areRejected(text: String) {
        #expect(throws: JSONError.self) { try JSONReader(Array(text.utf8)) }
    }

    @Test func writerEscapesControlCharactersAndQuotes() {
        var writer = ByteWriter(capacity: 64)
        JSONWriter.appendString("a\"b\\c\n\u{01}", to: &writer)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""a\"b\\c\n\u0001""#)
    }
}

@Suite struct Base64AndPercentDecodingTests {
    // RFC 4648 §10 test vectors, and RFC 7617 §2's example credentials.
    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                      ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"), ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==")])
    func base64_matchesTheRFCVectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
    }

    @Test func base64_usesTheWholeAlphabet() {
        #expect(Base64.encode([0xFB, 0xFF, 0xBF]) == "+/+/")
        #expect(Base64.encode([0x00, 0x10, 0x83]) == "ABCD")
    }

    @Test func base64InPlace_matchesTheEncoder_forEveryLengthAndOffset() {
        let plain = Array("Aladdin:open sesame".utf8)
        for length in 0...plain.count {
            var writer = ByteWriter(capacity: 64)
            writer.append("pre")
            writer.append(contentsOf: Array(plain[..<length]))
            Base64.encodeInPlace(&writer, from: 3)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == "pre" + Base64.encode(plain[..<length]))
            #expect(writer.count == 3 + Base64.encodedByteCount(length))
            #expect(throws: Never.self) { try writer.finish() }
        }
    }

    @Test func base64InPlace_thatDoesNotFit_leavesTheBytesAndReportsTheOverflow() {
        var writer = ByteWriter(capacity: 6)
        writer.append("foob")
        Base64.encodeInPlace(&writer, from: 0)
        #expect(writer.bytes == Array("foob".utf8))
        #expect(throws: WireError.capacityExceeded(capacity: 6)) { try writer.finish() }
    }

    @Test func percentDecoding_decodesEscapesAndRefusesBrokenOnes() {
        #expect(PercentDecoding.decode(Array("p%40ss%3Aw%2fd".utf8)) == Array("p@ss:w/d".utf8))
        #expect(PercentDecoding.decode(Array("plain".utf8)) == Array("plain".utf8))
        #expect(PercentDecoding.decode(Array("%".utf8)) == nil)
        #expect(PercentDecoding.decode(Array("%4".utf8)) == nil)
        #expect(PercentDecoding.decode(Array("%zz".utf8)) == nil)
    }
}

@Suite struct CRC32Tests {
    @Test func checkValue_matchesTheStandard() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func checksumInPieces_equalsTheChecksumOfTheWhole() {
        let whole = Array("kelvin-assignment 1\nhub=h\n".utf8)
        let first = CRC32.checksum(whole[..<7])
        #expect(CRC32.checksum(whole[7...], continuing: first) == CRC32.checksum(whole))
    }
}

@Suite struct Int64DecimalTests {
    @Test func secondsPast2038_parseAndPrintOnEveryWordSize() {
        #expect(ASCII.parseDecimal(ArraySlice("4102444800".utf8), as: Int64.self) == 4_102_444_800)
        #expect(ASCII.parseDecimal(ArraySlice("-42".utf8), as: Int64.self) == -42)
        #expect(ASCII.parseDecimal(ArraySlice("9223372036854775808".utf8), as: Int64.self) == nil)
        #expect(ASCII.parseDecimal(ArraySlice("300".utf8), as: Int8.self) == nil)
        var writer = ByteWriter(capacity: 64)
        ASCII.appendDecimal(Int64(4_102_444_800), to: &writer)
        writer.append(" ")
        ASCII.appendDecimal(Int64.min, to: &writer)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "4102444800 -9223372036854775808")
    }
}

@Suite struct ByteWriterGrowthTests {
    @Test func largeCapacity_isReservedOnlyAsMessagesNeedIt_andKeptAfterReset() throws {
        let capacity = 272 * 1024
        var writer = ByteWriter(capacity: capacity)
        #expect(writer.bytes.capacity < 2 * ByteWriter.eagerReservationLimit)
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<270 { writer.append(contentsOf: chunk) }
        for _ in 0..<1000 { writer.append(UInt8(ascii: "b")) }
        #expect(writer.count == 271_000)
        #expect(throws: Never.self) { try writer.finish() }
        let grown = writer.bytes.capacity
        #expect(grown >= 271_000)
        writer.reset()
        #expect(writer.bytes.capacity == grown)
        writer.append("small")
        #expect(writer.bytes.capacity == grown)
    }

    @Test func growth_stopsAtTheCapacity() {
        var writer = ByteWriter(capacity: 40 * 1024)
        writer.append(contentsOf: [UInt8](repeating: 1, count: 40 * 1024 - 1))
        writer.append(contentsOf: [2, 3])
        #expect(writer.count == 40 * 1024)
        #expect(writer.bytes.last == 2)
        #expect(throws: WireError.capacityExceeded(capacity: 40 * 1024)) { try writer.finish() }
    }

    @Test func smallCapacity_isReservedAtOnce() {
        let writer = ByteWriter(capacity: 512)
        #expect(writer.bytes.capacity >= 512)
    }
}

@Suite struct DecimalLengthTests {
    @Test(arguments: [0, 7, 9, 10, -1, -9, -10, 99, 100, 1_234_567, Int.min, Int.max])
    func decimalByteCount_isTheLengthOfTheText(value: Int) {
        #expect(ASCII.decimalByteCount(value) == ASCII.decimalString(value).utf8.count)
    }

    @Test func fixedPointByteCount_isTheLengthOfTheText_forEveryDigitCount() {
        for value: Int32 in [0, 4, 5, -4, -5, 9_995, -9_995, 99_999, 123_456, -123_456, Int32.max, Int32.min] {
            for digits in -1...4 {
                let temperature = Millidegrees(value)
                #expect(temperature.formattedByteCount(fractionDigits: digits) == temperature.formatted(fractionDigits: digits).utf8.count)
                let humidity = RelativeHumidity(millipercent: value, fractionDigits: digits)
                #expect(humidity.formattedByteCount == humidity.formatted().utf8.count)
            }
            #expect(Pressure(pascals: value).formattedByteCount == Pressure(pascals: value).formatted().utf8.count)
        }
    }
}

@Suite struct HumidityAndPressureTests {
    @Test(arguments: [
        (45_200, 2, "45.20"), (45_195, 2, "45.20"), (45_194, 2, "45.19"), (68_669, 3, "68.669"),
        (92_300, 1, "92.3"), (50_001, 0, "50"), (0, 2, "0.00"), (100_000, 2, "100.00"), (45_200, 7, "45.200"),
    ])
    func humidity_isPercentWithItsFractionDigits(millipercent: Int32, digits: Int, text: String) {
        #expect(RelativeHumidity(millipercent: millipercent, fractionDigits: digits).formatted() == text)
    }

    @Test(arguments: [(101_325, "1013.25"), (100_661, "1006.61"), (30_000, "300.00"), (0, "0.00"), (5, "0.05"), (-120, "-1.20")])
    func pressure_isHectopascalsWithTwoDecimals(pascals: Int32, text: String) {
        #expect(Pressure(pascals: pascals).formatted() == text)
    }

    @Test func descriptions_nameTheUnit() {
        #expect(RelativeHumidity(millipercent: 45_200).description == "45.20 %RH")
        #expect(Pressure(pascals: 101_325).description == "1013.25 hPa")
    }
}

@Suite struct UTCTimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (1_795_933_200_123, "2026-11-29T06:20:00.123Z"),
        (68_255_999_999, "1972-02-29T23:59:59.999Z"),
        (4_107_499_200_000, "2100-02-28T12:00:00.000Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func unixMilliseconds_areISO8601UTC(milliseconds: Int64, text: String) {
        #expect(UTCTimestamp.text(milliseconds: milliseconds) == text)
    }

    @Test func timesOutsideFourYearDigits_areClampedToTheEnds() {
        #expect(UTCTimestamp.text(milliseconds: -1) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.text(milliseconds: Int64.min) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.text(milliseconds: 253_402_300_800_000) == "9999-12-31T23:59:59.999Z")
        #expect(UTCTimestamp.text(milliseconds: Int64.max) == "9999-12-31T23:59:59.999Z")
    }

    @Test func everyTimestamp_isTwentyFourBytes() {
        for milliseconds: Int64 in [0, 1, 999, 86_399_999, 1_795_933_200_123, 253_402_300_799_999] {
            var writer = ByteWriter(capacity: 64)
            UTCTimestamp.append(milliseconds: milliseconds, to: &writer)
            #expect(writer.count == UTCTimestamp.byteCount)
        }
    }
}
