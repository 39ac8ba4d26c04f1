import Wire

/// Reading the kernel's one-value text files.
enum SysfsText {
    /// The text without its trailing newline: `name` and `type` files are one line.
    static func line(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.last == UInt8(ascii: "\n") ? bytes.dropLast() : bytes[...], as: UTF8.self)
    }

    /// The text of a file as an error line quotes it: one line, escaped (``PrintableText``), so
    /// that a wrong file's newlines or escape sequences cannot break or forge the line.
    static func quoted(_ bytes: [UInt8]) -> String {
        PrintableText.escaped(bytes.last == UInt8(ascii: "\n") ? bytes.dropLast() : bytes[...])
    }

    /// Whether `directory` lists `file`, for the optional channels (humidity, pressure) that a
    /// device has or has not.
    static func exists<Tree: TextSource>(_ file: String, in directory: String, of tree: Tree) -> Bool {
        tree.list(directory).contains { $0.utf8.elementsEqual(file.utf8) }
    }

    /// The integer in the file at `path`.
    /// - Throws: what the tree throws, or `SensorError.source` when the text is not a decimal
    ///   integer in 32 bits.
    static func integer<Tree: TextSource>(_ path: String, in tree: Tree) throws(SensorError) -> Int32 {
        let bytes = try tree.read(path)
        guard let value = DecimalText.integer(bytes), let narrow = Int32(exactly: value) else {
            throw .source(path: path, detail: "expected a decimal integer, found \"\(quoted(bytes))\"; is this the right file?")
        }
        return narrow
    }

    /// The decimal number in the file at `path` ("7.8125").
    /// - Throws: what the tree throws, or `SensorError.source` when the text is not a decimal.
    static func decimal<Tree: TextSource>(_ path: String, in tree: Tree) throws(SensorError) -> DecimalText.Value {
        let bytes = try tree.read(path)
        guard let value = DecimalText.decimal(bytes) else {
            throw .source(path: path, detail: "expected a decimal number, found \"\(quoted(bytes))\"; is this the right file?")
        }
        return value
    }
}
