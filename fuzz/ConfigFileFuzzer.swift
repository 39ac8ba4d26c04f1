@testable import Agent
import Wire

/// The `config-file` target: `ConfigFile.parse` (the TOML subset of `kelvin.conf`) and the
/// settings table the entries go through (`Configuration.resolve`).
///
/// Input: the file's bytes.
///
/// Entries the parser reads, written back as TOML by ``toml(_:)``, read again as the same
/// entries (decode → encode → decode); CRLF line ends read as LF; line numbers ascend; every
/// error, the parser's and the settings', is one clean line naming the file.
enum ConfigFileTarget {
    static let path = "kelvin.conf"

    static func run(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        let entries: [ConfigEntry]
        do {
            entries = try ConfigFile.parse(bytes, path: path)
        } catch {
            invariant(isOneCleanLine(error.description), "the error \(Array(error.description.utf8)) is not one clean line")
            invariant(error.line >= 0, "error on line \(error.line)")
            resolve(bytes)
            return
        }
        var previousLine = 0
        for entry in entries {
            invariant(entry.line > previousLine, "entry lines do not ascend: \(entry.line) after \(previousLine)")
            previousLine = entry.line
        }
        let written = toml(entries)
        do {
            let again = try ConfigFile.parse(written, path: path)
            invariant(again.map(Shape.init) == entries.map(Shape.init),
                      "entries written back as TOML read as \(again.map(Shape.init)), not \(entries.map(Shape.init))")
        } catch {
            invariant(false, "entries written back as TOML are refused: \(error)\n\(String(decoding: written, as: UTF8.self))")
        }
        if !bytes.contains(0x0D) {
            let crlf = bytes.flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }
            if crlf.count <= ConfigFile.maximumBytes {
                let again = try? ConfigFile.parse(crlf, path: path)
                invariant(again == entries, "with CRLF line ends the file read as \(String(describing: again)), not \(entries)")
            }
        }
        resolve(bytes)
    }

    static func resolve(_ bytes: [UInt8]) {
        do {
            _ = try Configuration.resolve(file: bytes, path: path, environment: { _ in nil }, flags: [])
        } catch {
            invariant(isOneCleanLine(error.description), "the error \(Array(error.description.utf8)) is not one clean line")
            invariant(error.description.utf8.starts(with: path.utf8), "the error \(error) does not name the file")
        }
    }

    /// What an entry says, without where it was written.
    struct Shape: Equatable, CustomStringConvertible {
        let section: [UInt8]
        let key: [UInt8]
        let value: ConfigValue

        init(_ entry: ConfigEntry) {
            section = utf8(entry.section)
            key = utf8(entry.key)
            value = entry.value
        }

        var description: String { "\(String(decoding: section, as: UTF8.self)).\(String(decoding: key, as: UTF8.self)) = \(value)" }
    }

    /// The entries as `kelvin.conf` text: the writer side of the grammar, in its shortest form.
    static func toml(_ entries: [ConfigEntry]) -> [UInt8] {
        var out: [UInt8] = []
        var section = ""
        for entry in entries {
            if !ASCII.equals(entry.section, section) {
                out += utf8("[" + entry.section + "]\n")
                section = entry.section
            }
            out += utf8(entry.key + " = ") + value(entry.value) + [0x0A]
        }
        return out
    }

    static func value(_ value: ConfigValue) -> [UInt8] {
        switch value {
        case .string(let text): return quoted(text)
        case .integer(let number): return utf8(ASCII.decimalString(number))
        case .boolean(let flag): return utf8(flag ? "true" : "false")
        case .duration(let milliseconds): return utf8(duration(milliseconds))
        case .strings(let items):
            var out: [UInt8] = [UInt8(ascii: "[")]
            for (index, item) in items.enumerated() {
                if index > 0 { out += utf8(", ") }
                out += quoted(item)
            }
            return out + [UInt8(ascii: "]")]
        }
    }

    static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += utf8("\\\"")
            case UInt8(ascii: "\\"): out += utf8("\\\\")
            case 0x0A: out += utf8("\\n")
            default: out.append(byte)
            }
        }
        return out + [UInt8(ascii: "\"")]
    }

    /// In the largest unit that holds it exactly, so the text is never longer than the input's.
    static func duration(_ milliseconds: Int64) -> String {
        for (unit, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1_000)] where milliseconds > 0 && milliseconds % size == 0 {
            return String(milliseconds / size) + unit
        }
        return String(milliseconds) + "ms"
    }
}
