import Wire

/// The grammar of `kelvin.conf`: a strict subset of TOML, parsed without Foundation.
///
/// Lines are blank, `# comments`, `[section]` headers (one level) or `key = value`, where a
/// value is a double-quoted string (escapes `\"` `\\` `\n` `\t`), an integer (optional sign, `_`
/// between digits), `true`/`false`, a duration (`500ms`, `30s`, `5m`, `2h`; not TOML, which has
/// none) or a one-line array of strings (`["a", "b"]`). A comment may follow a value. Anything
/// else is refused rather than guessed at: a device that misreads its configuration runs wrong
/// for months, one that refuses it says so at once.
public enum ConfigFile {
    /// A configuration is a page of settings; a bound turns a wrong path into an error.
    public static let maximumBytes = 64 * 1024
    public static let maximumLineBytes = 1024

    /// The entries of `bytes` in file order.
    /// - Throws: `ConfigFileError` naming `path`, the line and what is wrong there.
    public static func parse(_ bytes: [UInt8], path: String) throws(ConfigFileError) -> [ConfigEntry] {
        guard bytes.count <= maximumBytes else { throw ConfigFileError(path: path, line: 0, problem: .tooLarge) }
        var entries: [ConfigEntry] = []
        var sections: [(name: String, line: Int)] = []
        var section = ""
        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            defer { start = end + 1 }
            var line = bytes[start..<end]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if end == bytes.count, line.isEmpty { break }
            func fail(_ problem: ConfigFileError.Problem) -> ConfigFileError {
                ConfigFileError(path: path, line: lineNumber, problem: problem)
            }
            guard line.count <= maximumLineBytes else { throw fail(.lineTooLong) }
            let text = String(decoding: line, as: UTF8.self)
            // Decoding replaces bad sequences; a round trip that differs means the file had some.
            guard text.utf8.elementsEqual(line) else { throw fail(.notUTF8) }
            var cursor = LineCursor(Array(text.utf8))
            cursor.skipSpace()
            guard let first = cursor.peek, first != UInt8(ascii: "#") else { continue }
            if first == UInt8(ascii: "[") {
                cursor.index += 1
                let name = cursor.bareKey()
                guard !name.isEmpty, cursor.peek == UInt8(ascii: "]") else { throw fail(.malformedSection(text.trimmedASCII)) }
                cursor.index += 1
                guard cursor.atEndOrComment() else { throw fail(.malformedSection(text.trimmedASCII)) }
                if let earlier = sections.first(where: { ASCII.equals($0.name, name) }) {
                    throw fail(.duplicateSection(name, firstLine: earlier.line))
                }
                sections.append((name, lineNumber))
                section = name
                continue
            }
            let key = cursor.bareKey()
            guard !key.isEmpty else { throw fail(.malformedLine(text.trimmedASCII)) }
            cursor.skipSpace()
            guard cursor.peek == UInt8(ascii: "=") else {
                throw fail(cursor.peek == UInt8(ascii: ".") ? .dottedKey(key) : .malformedLine(text.trimmedASCII))
            }
            cursor.index += 1
            cursor.skipSpace()
            let dotted = section.isEmpty ? key : section + "." + key
            let valueStart = cursor.index
            let value: ConfigValue
            do {
                value = try cursor.value()
            } catch {
                throw fail(error.problem(key: dotted))
            }
            let valueText = String(decoding: cursor.bytes[valueStart..<cursor.index], as: UTF8.self)
            guard cursor.atEndOrComment() else { throw fail(.textAfterValue(dotted, text: cursor.rest.trimmedASCII)) }
            if let earlier = entries.first(where: { ASCII.equals($0.section, section) && ASCII.equals($0.key, key) }) {
                throw fail(.duplicateKey(dotted, firstLine: earlier.line))
            }
            entries.append(ConfigEntry(section: section, key: key, value: value, text: valueText, line: lineNumber))
        }
        return entries
    }
}

/// One `key = value` line.
public struct ConfigEntry: Equatable, Sendable {
    /// The `[section]` it is under; empty above the first header.
    public var section: String
    public var key: String
    public var value: ConfigValue
    /// The value as written, for messages that quote it.
    public var text: String
    public var line: Int

    public init(section: String, key: String, value: ConfigValue, text: String, line: Int) {
        self.section = section
        self.key = key
        self.value = value
        self.text = text
        self.line = line
    }

    /// `section.key`, as the settings are named.
    public var dottedKey: String { section.isEmpty ? key : section + "." + key }
}

public enum ConfigValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case duration(milliseconds: Int64)
    case strings([String])
}

public struct ConfigFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    /// 1-based; 0 for the file as a whole.
    public var line: Int
    public var problem: Problem

    public enum Problem: Equatable, Sendable {
        case tooLarge
        case lineTooLong
        case notUTF8
        case malformedSection(String)
        case duplicateSection(String, firstLine: Int)
        case malformedLine(String)
        case dottedKey(String)
        case missingValue(String)
        case unterminatedString(String)
        case badEscape(String, escape: String)
        case controlCharacter(String)
        case unterminatedArray(String)
        case badArrayElement(String)
        case badValue(String, text: String)
        case outOfRange(String, text: String)
        case textAfterValue(String, text: String)
        case duplicateKey(String, firstLine: Int)
    }

    public init(path: String, line: Int, problem: Problem) {
        self.path = path
        self.line = line
        self.problem = problem
    }

    /// Quotes what the file says, escaped (``PrintableText``): a control character in a line
    /// quoted back must not break the error line or act on the terminal.
    public var description: String {
        let place = line == 0 ? path : path + ":" + ASCII.decimalString(line)
        return PrintableText.escaped(place + ": " + message)
    }

    private var message: String {
        switch problem {
        case .tooLarge:
            return "larger than \(ConfigFile.maximumBytes) bytes; is it the right file?"
        case .lineTooLong:
            return "line longer than \(ConfigFile.maximumLineBytes) bytes; shorten it"
        case .notUTF8:
            return "not UTF-8 text; save the file as UTF-8"
        case .malformedSection(let text):
            return "\(text): expected a section header like [telemetry] (one level, letters, digits, _ and - only)"
        case .duplicateSection(let name, let first):
            return "[\(name)] appears again (first on line \(first)); put its keys under one header"
        case .malformedLine(let text):
            return "\(text): expected key = value, a [section] header or a # comment"
        case .dottedKey(let key):
            return "\(key).…: dotted keys are not supported; write the part before the dot as a [section] header"
        case .missingValue(let key):
            return "\(key) has no value; write key = value, e.g. interval = 30s"
        case .unterminatedString(let key):
            return "\(key): the string has no closing \"; strings end on the line they start"
        case .badEscape(let key, let escape):
            return "\(key): \\\(escape) is not an escape here; use \\\" \\\\ \\n or \\t"
        case .controlCharacter(let key):
            return "\(key): a control character in a string; write tabs and newlines as \\t and \\n"
        case .unterminatedArray(let key):
            return "\(key): the array has no closing ]; arrays are written on one line"
        case .badArrayElement(let key):
            return "\(key): arrays hold double-quoted strings separated by commas, e.g. [\"a\", \"b\"]"
        case .badValue(let key, let text):
            return "\(key) = \(text): expected a \"string\", a whole number, true or false, a duration like 30s, or [\"a\", \"b\"]"
        case .outOfRange(let key, let text):
            return "\(key) = \(text): the number is too large"
        case .textAfterValue(let key, let text):
            return "\(key): unexpected \(text) after the value; one value per line, then an optional # comment"
        case .duplicateKey(let key, let first):
            return "\(key) is set again (first on line \(first)); keep one"
        }
    }
}

/// What went wrong inside a value, before the key is known to the message.
enum ValueError: Error {
    case missing, unterminatedString, badEscape(String), controlCharacter, unterminatedArray, badArrayElement
    case bad(String), outOfRange(String)

    func problem(key: String) -> ConfigFileError.Problem {
        switch self {
        case .missing: return .missingValue(key)
        case .unterminatedString: return .unterminatedString(key)
        case .badEscape(let escape): return .badEscape(key, escape: escape)
        case .controlCharacter: return .controlCharacter(key)
        case .unterminatedArray: return .unterminatedArray(key)
        case .badArrayElement: return .badArrayElement(key)
        case .bad(let text): return .badValue(key, text: text)
        case .outOfRange(let text): return .outOfRange(key, text: text)
        }
    }
}

private struct LineCursor {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
    var rest: String { String(decoding: bytes[index...], as: UTF8.self) }

    mutating func skipSpace() {
        while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
    }

    mutating func atEndOrComment() -> Bool {
        skipSpace()
        return peek == nil || peek == UInt8(ascii: "#")
    }

    /// TOML's bare key: letters, digits, `_` and `-`.
    mutating func bareKey() -> String {
        let start = index
        while let byte = peek, Self.isKeyByte(byte) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        ASCII.isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    mutating func value() throws(ValueError) -> ConfigValue {
        guard let first = peek, first != UInt8(ascii: "#") else { throw .missing }
        if first == UInt8(ascii: "\"") { return .string(try string()) }
        if first == UInt8(ascii: "[") { return .strings(try array()) }
        let start = index
        while let byte = peek, byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t"), byte != UInt8(ascii: "#") { index += 1 }
        let token = bytes[start..<index]
        let text = String(decoding: token, as: UTF8.self)
        if ASCII.equals(token, "true") { return .boolean(true) }
        if ASCII.equals(token, "false") { return .boolean(false) }
        if let duration = try ConfigValueText.duration(token, text: text) { return .duration(milliseconds: duration) }
        guard let number = try ConfigValueText.integer(token, text: text) else { throw .bad(text) }
        return .integer(number)
    }

    mutating func string() throws(ValueError) -> String {
        index += 1
        var result: [UInt8] = []
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: result, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { throw .unterminatedString }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): result.append(escaped)
                case UInt8(ascii: "n"): result.append(0x0A)
                case UInt8(ascii: "t"): result.append(0x09)
                default: throw .badEscape(String(decoding: [escaped], as: UTF8.self))
                }
            case 0x09: result.append(byte)
            case 0x00..<0x20, 0x7F: throw .controlCharacter
            default: result.append(byte)
            }
        }
        throw .unterminatedString
    }

    mutating func array() throws(ValueError) -> [String] {
        index += 1
        var elements: [String] = []
        while true {
            skipSpace()
            guard let byte = peek, byte != UInt8(ascii: "#") else { throw .unterminatedArray }
            if byte == UInt8(ascii: "]") {
                index += 1
                return elements
            }
            guard byte == UInt8(ascii: "\"") else { throw .badArrayElement }
            elements.append(try string())
            skipSpace()
            guard let next = peek else { throw .unterminatedArray }
            if next == UInt8(ascii: ",") {
                index += 1
            } else if next != UInt8(ascii: "]") {
                throw .badArrayElement
            }
        }
    }
}

/// The number and duration grammars, shared by the file and by the text of flags and
/// environment variables so that `30s` means the same wherever it is written.
enum ConfigValueText {
    /// Durations are bounded well past any sensible setting, so the arithmetic cannot overflow.
    static let maximumDurationMilliseconds: Int64 = 1_000_000_000_000

    /// `-12`, `+3`, `1_000`: TOML's integers, decimal only, no leading zeros. Nil when `bytes`
    /// is not an integer at all.
    /// - Throws: `.outOfRange` for an integer that does not fit.
    static func integer(_ bytes: ArraySlice<UInt8>, text: String) throws(ValueError) -> Int? {
        var digits = bytes
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard let value = try unsigned(digits, text: text) else { return nil }
        return negative ? -value : value
    }

    /// `500ms`, `30s`, `5m`, `2h`, as milliseconds; nil when `bytes` has no unit.
    static func duration(_ bytes: ArraySlice<UInt8>, text: String) throws(ValueError) -> Int64? {
        let units: [(suffix: StaticString, milliseconds: Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for unit in units {
            let length = unit.suffix.utf8CodeUnitCount
            guard bytes.count > length, ASCII.equals(bytes.suffix(length), unit.suffix) else { continue }
            guard let number = try unsigned(bytes.dropLast(length), text: text) else { return nil }
            guard Int64(number) <= maximumDurationMilliseconds / unit.milliseconds else { throw .outOfRange(text) }
            return Int64(number) * unit.milliseconds
        }
        return nil
    }

    /// Plain seconds with up to three decimals (`10`, `0.5`), as flags have always taken a
    /// duration, in milliseconds; nil when `bytes` is not that.
    static func milliseconds(fromSeconds bytes: ArraySlice<UInt8>) -> Int64? {
        let dot = bytes.firstIndex(of: UInt8(ascii: ".")) ?? bytes.endIndex
        let whole = bytes[..<dot]
        let fraction = dot == bytes.endIndex ? bytes[dot...] : bytes[(dot + 1)...]
        guard !whole.isEmpty || !fraction.isEmpty, whole.count <= 6, fraction.count <= 3,
              whole.allSatisfy(ASCII.isDigit), fraction.allSatisfy(ASCII.isDigit),
              dot == bytes.endIndex || !fraction.isEmpty else { return nil }
        var milliseconds: Int64 = 0
        for byte in whole { milliseconds = milliseconds * 10 + Int64(byte - UInt8(ascii: "0")) }
        var scale: Int64 = 100
        milliseconds *= 1000
        for byte in fraction {
            milliseconds += Int64(byte - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return milliseconds
    }

    private static func unsigned(_ digits: ArraySlice<UInt8>, text: String) throws(ValueError) -> Int? {
        guard let first = digits.first, ASCII.isDigit(first), let last = digits.last, ASCII.isDigit(last) else { return nil }
        guard first != UInt8(ascii: "0") || digits.count == 1 else { return nil }
        var value = 0
        var previousWasDigit = false
        for byte in digits {
            if byte == UInt8(ascii: "_") {
                guard previousWasDigit else { return nil }
                previousWasDigit = false
                continue
            }
            guard ASCII.isDigit(byte) else { return nil }
            previousWasDigit = true
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw .outOfRange(text) }
            value = sum
        }
        return value
    }
}

extension String {
    /// Without the spaces and tabs around it, for quoting a line back.
    var trimmedASCII: String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
