import CGPIOD
import Wire

/// A GPIO controller: its character device and the label its driver gives it. Chips are found
/// by label or line name, never by number: the Pi 5 moved its header from gpiochip4 to
/// gpiochip0 in a kernel update (sensor-facts.md §7.4).
public struct GPIOChip: Equatable, Sendable, CustomStringConvertible {
    /// `/dev/gpiochip0`.
    public let path: String
    /// `pinctrl-rp1` (Pi 5), `pinctrl-bcm2711` (Pi 4), `pinctrl-bcm2835` (Pi 0–3).
    public let label: String
    public let lineCount: Int

    /// The labels of the chips that drive a Raspberry Pi's 40-pin header, newest board first.
    public static let raspberryPiHeaderLabels = ["pinctrl-rp1", "pinctrl-bcm2711", "pinctrl-bcm2835"]

    /// `gpiochip0 [pinctrl-bcm2711]`, as `gpiodetect` prints it.
    public var description: String {
        let bytes = Array(path.utf8)
        let name = bytes.lastIndex(of: UInt8(ascii: "/")).map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) } ?? path
        return "\(name) [\(label)]"
    }

    /// Every chip in `directory`, in number order. The corresponding C functions are
    /// `opendir`/`readdir`, then `gpiod_chip_open` and the label and line-count getters.
    /// - Throws: `GPIOError.noChips` when there are none, `.permissionDenied` when one may not
    ///   be opened.
    public static func all(in directory: String = "/dev") throws(GPIOError) -> [GPIOChip] {
        let names = ((try? Directory.entries(directory)) ?? [])
            .filter { $0.utf8.starts(with: "gpiochip".utf8) }
            .sorted { number($0) < number($1) }
        guard !names.isEmpty else { throw .noChips(directory: directory) }
        var chips: [GPIOChip] = []
        for name in names {
            let path = directory + "/" + name
            var label = [CChar](repeating: 0, count: 64)
            var lineCount: UInt32 = 0
            let length = label.withUnsafeMutableBufferPointer { buffer in
                cgpiod_chip_info(path, buffer.baseAddress, buffer.count, &lineCount)
            }
            guard length >= 0 else {
                throw GPIOError.from(Errno(rawValue: -length), operation: "opening", subject: path, chipPath: path)
            }
            let text = label.withUnsafeBufferPointer { buffer in
                String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(length)), as: UTF8.self)
            }
            chips.append(GPIOChip(path: path, label: text, lineCount: Int(lineCount)))
        }
        return chips
    }

    /// The chip labelled `label`.
    /// - Throws: `GPIOError.chipNotFound` listing the chips there are, or what ``all(in:)`` throws.
    public static func labeled(_ label: String, in directory: String = "/dev") throws(GPIOError) -> GPIOChip {
        let chips = try all(in: directory)
        guard let chip = chips.first(where: { $0.label.utf8.elementsEqual(label.utf8) }) else {
            throw .chipNotFound(label: label, present: chips.map { $0.description })
        }
        return chip
    }

    /// The chip that drives a Raspberry Pi's header, whichever model this is.
    /// - Throws: `GPIOError.chipNotFound` (naming the Pi labels) on other boards.
    public static func raspberryPiHeader(in directory: String = "/dev") throws(GPIOError) -> GPIOChip {
        let chips = try all(in: directory)
        for wanted in raspberryPiHeaderLabels {
            if let chip = chips.first(where: { $0.label.utf8.elementsEqual(wanted.utf8) }) { return chip }
        }
        throw .chipNotFound(label: raspberryPiHeaderLabels.joined(separator: "\" or \""), present: chips.map { $0.description })
    }

    /// The number after "gpiochip", so that gpiochip10 sorts after gpiochip4.
    private static func number(_ name: String) -> Int {
        ASCII.parseDecimal(ArraySlice(name.utf8.dropFirst(8))) ?? Int.max
    }
}

/// One line of one chip: what a request needs.
public struct GPIOLineLocation: Equatable, Sendable, CustomStringConvertible {
    public let chip: GPIOChip
    public let offset: UInt32
    /// The line's name when it was found by name ("GPIO17").
    public let name: String?

    /// Line `offset` of `chip`.
    /// - Throws: `GPIOError.offsetOutOfRange` when the chip has no such line.
    public init(chip: GPIOChip, offset: UInt32) throws(GPIOError) {
        guard Int(offset) < chip.lineCount else {
            throw .offsetOutOfRange(chip: chip.description, offset: offset, lineCount: chip.lineCount)
        }
        self.chip = chip
        self.offset = offset
        self.name = nil
    }

    private init(chip: GPIOChip, offset: UInt32, name: String) {
        self.chip = chip
        self.offset = offset
        self.name = name
    }

    /// The line named `name` ("GPIO17") on whichever chip has it; on a Pi, the header lines
    /// carry their GPIO numbers as names on every model. The corresponding C function is
    /// `gpiod_chip_find_line` (v1) or `gpiod_chip_get_line_offset_from_name` (v2), per chip.
    /// - Throws: `GPIOError.lineNotFound` listing the chips searched, or what
    ///   ``GPIOChip/all(in:)`` throws.
    public static func named(_ name: String, in directory: String = "/dev") throws(GPIOError) -> GPIOLineLocation {
        let chips = try GPIOChip.all(in: directory)
        for chip in chips {
            let offset = cgpiod_chip_find_line(chip.path, name)
            if offset >= 0 { return GPIOLineLocation(chip: chip, offset: UInt32(offset), name: name) }
            let error = Errno(rawValue: -offset)
            guard error == .noSuchFile else {
                throw GPIOError.from(error, operation: "searching", subject: chip.description, chipPath: chip.path)
            }
        }
        throw .lineNotFound(name: name, chips: chips.map { $0.description })
    }

    /// `GPIO17 (gpiochip0 [pinctrl-bcm2711] line 17)`.
    public var description: String {
        let line = "\(chip) line \(offset)"
        return name.map { "\($0) (\(line))" } ?? line
    }
}
