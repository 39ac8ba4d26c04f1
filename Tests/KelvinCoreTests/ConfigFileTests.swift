import Agent
import Testing

@Suite struct ConfigFileTests {
    private func parse(_ text: String) throws(ConfigFileError) -> [ConfigEntry] {
        try ConfigFile.parse(Array(text.utf8), path: "kelvin.conf")
    }

    @Test func everyKindOfValue_isReadWithItsLineAndText() throws {
        let entries = try parse("""
            # a comment, then a blank line

            [telemetry]
            interval = 30s   # trailing comment
            count = +1_000
            \tbacklog_limit=-7
            include = ["humidity", "pressure",]
            properties = []
            [dps]
            endpoint = "a \\"b\\" \\\\ c\\td\\ne # not a comment"
            enabled = false
            strict = true
            """)
        #expect(entries == [
            ConfigEntry(section: "telemetry", key: "interval", value: .duration(milliseconds: 30_000), text: "30s", line: 4),
            ConfigEntry(section: "telemetry", key: "count", value: .integer(1_000), text: "+1_000", line: 5),
            ConfigEntry(section: "telemetry", key: "backlog_limit", value: .integer(-7), text: "-7", line: 6),
            ConfigEntry(section: "telemetry", key: "include", value: .strings(["humidity", "pressure"]), text: "[\"humidity\", \"pressure\",]", line: 7),
            ConfigEntry(section: "telemetry", key: "properties", value: .strings([]), text: "[]", line: 8),
            ConfigEntry(section: "dps", key: "endpoint", value: .string("a \"b\" \\ c\td\ne # not a comment"),
                        text: "\"a \\\"b\\\" \\\\ c\\td\\ne # not a comment\"", line: 10),
            ConfigEntry(section: "dps", key: "enabled", value: .boolean(false), text: "false", line: 11),
            ConfigEntry(section: "dps", key: "strict", value: .boolean(true), text: "true", line: 12),
        ])
        #expect(entries[0].dottedKey == "telemetry.interval")
    }

    @Test func durations_areMilliseconds() throws {
        let entries = try parse("[t]\na = 500ms\nb = 30s\nc = 5m\nd = 2h\ne = 0s\nf = 1_500ms\n")
        #expect(entries.map(\.value) == [
            .duration(milliseconds: 500), .duration(milliseconds: 30_000), .duration(milliseconds: 300_000),
            .duration(milliseconds: 7_200_000), .duration(milliseconds: 0), .duration(milliseconds: 1_500),
        ])
    }

    @Test func crlfLineEndingsAndNoFinalNewline_areAccepted() throws {
        let entries = try parse("[dps]\r\nid_scope = \"0ne1\"\r\n\r\n[hub]\r\napi_version = \"2021-04-12\"")
        #expect(entries == [
            ConfigEntry(section: "dps", key: "id_scope", value: .string("0ne1"), text: "\"0ne1\"", line: 2),
            ConfigEntry(section: "hub", key: "api_version", value: .string("2021-04-12"), text: "\"2021-04-12\"", line: 5),
        ])
    }

    // Found by the config-file fuzz target: a line quoted back kept its control characters,
    // so the one error line could be broken in two or act on the terminal.
    @Test func lineWithControlCharacters_isQuotedEscapedOnOneLine() {
        let error = #expect(throws: ConfigFileError.self) { try parse("[dps]\nid\u{0}\u{1B}[2J = 1\n") }
        #expect(error?.description == "kelvin.conf:2: id\\x00\\x1B[2J = 1: expected key = value, a [section] header or a # comment")
    }

    @Test func emptyAndCommentOnlyFiles_haveNoEntries() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("\n\n# nothing\n   # indented\n").isEmpty)
        #expect(try parse("[dps]\n").isEmpty)
    }

    @Test func sameKeyInTwoSections_isNoDuplicate() throws {
        let entries = try parse("[dps]\napi_version = \"2021-06-01\"\n[hub]\napi_version = \"2020-03-13\"\n")
        #expect(entries.map(\.dottedKey) == ["dps.api_version", "hub.api_version"])
    }

    @Test func theBounds_areExact() throws {
        let longest = "#" + String(repeating: "x", count: ConfigFile.maximumLineBytes - 1)
        #expect(try parse(longest).isEmpty)
        #expect(throws: ConfigFileError(path: "kelvin.conf", line: 1, problem: .lineTooLong)) { try parse(longest + "x") }
        let largest = [UInt8](repeating: UInt8(ascii: "\n"), count: ConfigFile.maximumBytes)
        #expect(try ConfigFile.parse(largest, path: "kelvin.conf").isEmpty)
        #expect(throws: ConfigFileError(path: "kelvin.conf", line: 0, problem: .tooLarge)) {
            try ConfigFile.parse(largest + [UInt8(ascii: "\n")], path: "kelvin.conf")
        }
    }
}
