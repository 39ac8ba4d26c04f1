import Wire

/// The `json` target: `JSONReader`, which reads every DPS and hub body, and `JSONWriter`, which
/// writes the strings of every request.
///
/// Input: byte 0 even plays the rest as a document; odd as a string to write and read back.
///
/// For a document the reader accepts: nesting within ``JSONReader/maximumDepth``; the same
/// answers with whitespace around it; every lookup the services' shapes make answers without a
/// trap; a string it gives, written by `JSONWriter` into a document of its own, reads back the
/// same (decode → encode → decode); `text(at:)` agrees with `string(at:)`; an integer is its
/// raw text; a raw value is a document of its own.
enum JSONTarget {
    /// The paths Kelvin looks up (ProvisioningResponse, HubRefusal) and one of each kind.
    static let paths: [[StaticString]] = [
        ["status"], ["operationId"], ["registrationState"], ["registrationState", "assignedHub"],
        ["registrationState", "deviceId"],
        ["errorCode"], ["message"], ["Message"], ["a", "b"],
    ]

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        if input.byte() & 1 == 0 {
            document(input.rest())
        } else {
            writtenString(input.rest())
        }
    }

    static func document(_ bytes: [UInt8]) {
        let reader: JSONReader
        do {
            reader = try JSONReader(bytes)
        } catch {
            if case .malformed(let offset, _) = error {
                invariant(offset >= 0 && offset <= bytes.count, "error offset \(offset) outside a \(bytes.count)-byte document")
            }
            return
        }
        let depth = nestingDepth(bytes)
        invariant(depth <= JSONReader.maximumDepth, "a document nested \(depth) deep passed the \(JSONReader.maximumDepth) limit")
        let padded: JSONReader
        do {
            padded = try JSONReader(Array(" \r\n\t".utf8) + bytes + Array("\n ".utf8))
        } catch {
            invariant(false, "whitespace around an accepted document made it malformed: \(error)")
            return
        }
        for path in paths {
            let answers = lookups(reader, path)
            invariant(answers == lookups(padded, path), "whitespace around the document changed the answer at \(path): \(answers)")
            check(reader, path)
        }
    }

    /// What the lookups at `path` answer (nil for a throw), for comparing two readers.
    struct Answers: Equatable {
        let string: [UInt8]??
        let integer: Int??
        let raw: [UInt8]??
    }

    static func lookups(_ reader: JSONReader, _ path: [StaticString]) -> Answers {
        Answers(string: (try? reader.string(at: path)).map { $0.map(utf8) },
                integer: try? reader.integer(at: path),
                raw: (try? reader.rawValue(at: path)).map { $0.map(Array.init) })
    }

    static func check(_ reader: JSONReader, _ path: [StaticString]) {
        let string = try? reader.string(at: path)
        if let string = string ?? nil {
            invariant(readBack(string) == utf8(string), "the string at \(path) did not survive JSONWriter and back")
            do {
                let text = try reader.text(at: path)
                invariant(text.map(utf8) == utf8(string) && PrintableText.isClean(string), "text(at:) gave other bytes than string(at:) at \(path)")
            } catch {
                guard case .unprintable = error else { return invariant(false, "text(at:) failed with \(error) where string(at:) read a string") }
                // string(at:) repairs what is not UTF-8, so the repaired text may look clean.
            }
        }
        if let integer = (try? reader.integer(at: path)) ?? nil, let raw = (try? reader.rawValue(at: path)) ?? nil {
            invariant(ASCII.decimalString(integer).utf8.elementsEqual(raw) || ASCII.equals(raw, "-0"),
                      "integer \(integer) at \(path) is not its text \(Array(raw))")
        }
        if let raw = (try? reader.rawValue(at: path)) ?? nil {
            invariant((try? JSONReader(Array(raw))) != nil, "the raw value at \(path) is not a document of its own")
        }
    }

    /// `text` written by JSONWriter as the value of a one-key object, and read back.
    static func readBack(_ text: String) -> [UInt8]? {
        var writer = ByteWriter(capacity: 16 + text.utf8.count * 6)
        writer.append("{\"k\": ")
        JSONWriter.appendString(text, to: &writer)
        writer.append("}")
        invariant((try? writer.finish()) != nil, "JSONWriter outgrew six bytes per input byte")
        guard let reader = try? JSONReader(writer.bytes), let string = (try? reader.string(at: ["k"])) ?? nil else { return nil }
        return utf8(string)
    }

    static func writtenString(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        invariant(readBack(text) == utf8(text), "JSONWriter wrote \(bytes) as a string JSONReader reads otherwise")
    }

    /// The deepest nesting of arrays and objects, counted outside strings.
    static func nestingDepth(_ bytes: [UInt8]) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
