import AzureIoT
import Testing

/// The properties every message carries, and the api-version it is sent with: checked once, at
/// configuration, so that a message never fails for them.
@Suite struct ApplicationPropertyTests {
    @Test func allowedCharacters_areAccepted() throws {
        let property = try ApplicationProperty(name: "a-Z_0.9!#$%&'*+^`|~", value: "v-1.2~x")
        #expect(property.name == "a-Z_0.9!#$%&'*+^`|~")
        #expect(try ApplicationProperty(name: String(repeating: "n", count: 128), value: String(repeating: "v", count: 1024)).value.utf8.count == 1024)
    }

    @Test func eachRule_isItsOwnError_namingTheProperty() throws {
        #expect(throws: ApplicationPropertyError.emptyName(value: "x")) { try ApplicationProperty(name: "", value: "x") }
        #expect(throws: ApplicationPropertyError.emptyValue(name: "unit")) { try ApplicationProperty(name: "unit", value: "") }
        #expect(throws: ApplicationPropertyError.nameTooLong(name: String(repeating: "n", count: 129), bytes: 129)) {
            try ApplicationProperty(name: String(repeating: "n", count: 129), value: "x")
        }
        #expect(throws: ApplicationPropertyError.valueTooLong(name: "unit", bytes: 1025)) {
            try ApplicationProperty(name: "unit", value: String(repeating: "v", count: 1025))
        }
        #expect(throws: ApplicationPropertyError.characterNotAllowed(name: "room name", " ", inValue: false)) {
            try ApplicationProperty(name: "room name", value: "x")
        }
        #expect(throws: ApplicationPropertyError.characterNotAllowed(name: "unit", "°", inValue: true)) {
            try ApplicationProperty(name: "unit", value: "°C")
        }
        #expect(throws: ApplicationPropertyError.characterNotAllowed(name: "a:b", ":", inValue: false)) {
            try ApplicationProperty(name: "a:b", value: "x")
        }
        #expect(throws: ApplicationPropertyError.reservedName(name: "iothub-creation-time-utc")) {
            try ApplicationProperty(name: "iothub-creation-time-utc", value: "x")
        }
        #expect(throws: ApplicationPropertyError.reservedName(name: "IoTHub-anything")) { try ApplicationProperty(name: "IoTHub-anything", value: "x") }
        #expect(try ApplicationProperty(name: "iothub", value: "x").name == "iothub")
    }

    @Test func errorLines_nameThePropertyTheCharacterAndWhatIsAllowed() {
        #expect(ApplicationPropertyError.characterNotAllowed(name: "room name", " ", inValue: false).description
            == "application property \"room name\": U+0020 is not allowed in its name; use only ASCII letters, digits and !#$%&'*+-.^_`|~")
        #expect(ApplicationPropertyError.characterNotAllowed(name: "unit", "°", inValue: true).description
            == "application property \"unit\": '°' is not allowed in its value; use only ASCII letters, digits and !#$%&'*+-.^_`|~")
        #expect(ApplicationPropertyError.characterNotAllowed(name: "unit", "\t", inValue: true).description
            == "application property \"unit\": U+0009 is not allowed in its value; use only ASCII letters, digits and !#$%&'*+-.^_`|~")
        #expect(ApplicationPropertyError.reservedName(name: "iothub-x").description
            == "application property \"iothub-x\": names starting with \"iothub-\" are reserved for the hub; choose another name")
        #expect(ApplicationPropertyError.nameTooLong(name: "n", bytes: 129).description
            == "application property \"n\": the name is 129 bytes long; shorten it to at most 128")
        #expect(ApplicationPropertyError.valueTooLong(name: "unit", bytes: 2000).description
            == "application property \"unit\": the value is 2000 bytes long; shorten it to at most 1024")
        #expect(ApplicationPropertyError.emptyValue(name: "unit").description
            == "application property \"unit\" has an empty value; give it one, as unit=VALUE")
        #expect(ApplicationPropertyError.emptyName(value: "x").description
            == "application property with value \"x\" has an empty name; write it as NAME=VALUE")
        #expect(ApplicationPropertyError.notAnAssignment("unit").description
            == "application property \"unit\" has no '='; write it as NAME=VALUE")
    }

    @Test func parsing_splitsAtTheFirstEquals() throws {
        #expect(try ApplicationProperty(parsing: "unit=celsius") == ApplicationProperty(name: "unit", value: "celsius"))
        #expect(throws: ApplicationPropertyError.notAnAssignment("unit")) { try ApplicationProperty(parsing: "unit") }
        #expect(throws: ApplicationPropertyError.emptyName(value: "celsius")) { try ApplicationProperty(parsing: "=celsius") }
        #expect(throws: ApplicationPropertyError.emptyValue(name: "unit")) { try ApplicationProperty(parsing: "unit=") }
        #expect(throws: ApplicationPropertyError.characterNotAllowed(name: "a", "=", inValue: true)) { try ApplicationProperty(parsing: "a=b=c") }
    }
}

@Suite struct APIVersionTests {
    @Test(arguments: ["2020-03-13", "2016-11-14", "2021-04-12", "2025-07-01-preview", "1999-12-31", "2024-01-01"])
    func datesAndPreviews_areAccepted(text: String) throws {
        #expect(try #require(APIVersion(text)).description == text)
    }

    @Test(arguments: [
        "", "2020-3-13", "2020-03-1", "2020-13-01", "2020-00-10", "2020-01-00", "2020-01-32", "20a0-01-01",
        "2020/01/01", "2020-01-01-", "2020-01-01-beta", "2020-01-01-previewx", " 2020-01-01", "2020-01-01 ",
    ])
    func otherText_isRefused(text: String) {
        #expect(APIVersion(text) == nil)
    }
}
