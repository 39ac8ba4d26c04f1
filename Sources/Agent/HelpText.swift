import Wire

extension CommandLineParser {
    /// `kelvin help`, laid out as swift-argument-parser lays out its help. The settings' lines
    /// come from their rows and the other options' defaults from the options' own initial values,
    /// so the help cannot drift from what the code does.
    public static var helpText: String {
        var help = HelpWriter()
        help.paragraph(
            "OVERVIEW: Temperature telemetry for Raspberry Pi-class boards: provisions once through Azure IoT"
                + " Hub DPS with an X.509 certificate, then sends readings to the assigned hub.",
            wrapped: false
        )
        help.blank()
        help.paragraph("USAGE: kelvin <subcommand> [options]")
        help.blank()
        help.paragraph("SUBCOMMANDS:")
        help.option("run", "Provision once through DPS, then send readings to the hub.")
        help.option("provision", "Provision (or show the saved assignment) and exit.")
        help.option("send", "Send readings straight to a hub, without DPS.")
        help.option("read", "Print sensor readings; no network.")
        help.option("scan", "List the devices answering on an I²C bus, naming known sensors.")
        help.option(
            "status",
            "Show the identity, the saved assignment, the spool's backlog, the delivery counters and the sensor.")
        help.option("check", "Check files, key, chain, clock, sensor, DPS and hub: one ✔/✘ line each, with the fix.")
        help.option(
            "key",
            "create --tpm [--handle H]: make an EC P-256 key inside the TPM, persisted at H (default "
                + defaultTPMHandle + "); csr --registration-id ID --out FILE: a CSR signed by the configured key.")
        help.option("help", "Show this help.")
        help.option("version", "Show the version.")
        help.blank()

        help.paragraph("OPTIONS (run):")
        help.option(
            CommandOption.config.flag + " <file>",
            "Settings file: key = value under [sections], each key also a KELVIN_* variable and a flag below;"
                + " see CONFIGURATION.",
            default: Configuration.defaultPath + ", when it exists"
        )
        for key in SettingKey.allCases {
            let setting = key.setting
            let defaultText: String?
            switch setting.defaultValue {
            case .value(let value, let note): defaultText = note.map { value + ", " + $0 } ?? value
            case .otherwise(let text): defaultText = text
            case .none: defaultText = nil
            }
            help.option(setting.flag + " " + setting.placeholder, setting.help, default: defaultText)
        }
        help.blank()
        help.paragraph("OPTIONS (status, check): those of run.")
        help.blank()

        help.paragraph("OPTIONS (key csr): " + flagList(keySettings) + " as for run, " + CommandOption.config.flag + ", and:")
        help.option(CommandOption.registrationID.flag + " <id>", "The CN of the request: the device's DPS registration ID (required).")
        help.option(CommandOption.out.flag + " <file>", "Where the PEM request goes (required).")
        help.blank()

        help.paragraph("OPTIONS (provision): those of run, and:")
        help.option(CommandOption.force.flag, "Register with DPS even when the saved assignment is valid.")
        help.blank()

        let send = SendOptions()
        help.paragraph("OPTIONS (send): " + flagList(connectionSettings) + " as for run, and:")
        help.option(
            CommandOption.hub.flag + " <host[:port]>", "The hub to send to (required), e.g. my-hub.azure-devices.net."
        )
        help.option(CommandOption.device.flag + " <id>", "Device ID at the hub.", default: "the certificate's CN")
        help.option(CommandOption.count.flag + " <n>", "Readings to send.", default: ASCII.decimalString(send.count))
        help.option(
            CommandOption.interval.flag + " <seconds>", "Time between readings; 0 sends back to back.",
            default: secondsText(send.intervalMilliseconds)
        )
        help.option(
            CommandOption.reconnectEach.flag,
            "Close the connection after every reading (each then costs a resumed TLS handshake; for measuring)."
        )
        help.paragraph("Exits 0 only when every reading was accepted (HTTP 2xx).", firstIndent: 2)
        help.blank()

        let read = ReadOptions()
        help.paragraph(
            "OPTIONS (read): " + flagList(sensorSettings, after: [CommandOption.config.flag]) + " as for run, and:")
        help.option(CommandOption.count.flag + " <n>", "Readings to print.", default: ASCII.decimalString(read.count))
        help.option(
            CommandOption.interval.flag + " <seconds>", "Time between readings.",
            default: secondsText(read.intervalMilliseconds)
        )
        help.blank()

        help.paragraph("OPTIONS (scan):")
        help.option(
            CommandOption.bus.flag + " <n>", "The I²C bus, /dev/i2c-N.", default: ASCII.decimalString(defaultBus))
        help.blank()

        let example = SettingKey.interval.setting
        help.paragraph(
            "CONFIGURATION: a setting given as a flag wins over its environment variable, which wins over the"
                + " file. A key's variable is KELVIN_ and the key in capitals, `.` as `_`: \(example.name) under"
                + " [\(example.section)] is \(example.fileKey), \(example.environmentName) and \(example.flag)."
                + " Durations are written 500ms, 30s, 5m or 2h (flags and variables also take plain seconds); lists"
                + " as [\"a\", \"b\"] in the file and a,b in a variable. The example kelvin.conf in board/ documents"
                + " every key. A mistake in the file names its line and exits 78."
        )
        help.blank()
        help.paragraph(
            "SIGNALS (run): SIGTERM or SIGINT syncs the spool and exits 0; SIGHUP reads the configuration and"
                + " identity files again and carries on with them, keeping the spool."
        )
        help.blank()
        help.paragraph(
            "EXIT STATUS: 0 success, 64 usage, 65 bad data from a service, 66 missing file, 69 service unavailable,"
                + " 75 temporary failure, 77 refused by a service, 78 configuration.",
            last: true
        )
        return help.text
    }

    /// `--cert, --key and --ca-file`: the flags of `keys`, after `leading` ones.
    private static func flagList(_ keys: [SettingKey], after leading: [String] = []) -> String {
        let flags = leading + keys.map { $0.setting.flag }
        guard let last = flags.last else { return "" }
        return flags.count == 1 ? last : flags.dropLast().joined(separator: ", ") + " and " + last
    }

    /// Milliseconds as the seconds a flag takes: `1`, `0.5`.
    private static func secondsText(_ milliseconds: Int64) -> String {
        let whole = ASCII.decimalString(Int(milliseconds / 1000))
        var fraction = Int(milliseconds % 1000)
        guard fraction != 0 else { return whole }
        var digits = 3
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let padded = ASCII.decimalString(fraction)
        return whole + "." + String(repeating: "0", count: digits - padded.utf8.count) + padded
    }
}

/// Lines of help text: paragraphs with a hanging indent, and options with their descriptions in
/// a column, wrapped at a width that reads on an 80-to-100-column terminal.
private struct HelpWriter {
    static let width = 89
    static let descriptionColumn = 26
    static let paragraphIndent = 2

    private(set) var text = ""

    mutating func blank() { text += "\n" }

    /// `text` wrapped; lines after the first are indented, as the sections' bodies are.
    mutating func paragraph(_ paragraph: String, firstIndent: Int = 0, wrapped: Bool = true, last: Bool = false) {
        if wrapped {
            append(
                Self.words(paragraph), firstLine: String(repeating: " ", count: firstIndent),
                indent: Self.paragraphIndent)
        } else {
            text += paragraph
        }
        if !last { text += "\n" }
    }

    /// `  --name <value>          Description. (default: …)`; a name too long for its column
    /// goes on a line of its own.
    mutating func option(_ name: String, _ description: String, default defaultText: String? = nil) {
        var pieces = Self.words(description)
        if let defaultText {
            // The default reads best whole on one line; one too long for that at least keeps
            // `(default:` with its first word.
            let phrase = "(default: " + defaultText + ")"
            if Self.columns(phrase) <= Self.width - Self.descriptionColumn {
                pieces.append(phrase)
            } else {
                var defaultWords = Self.words(phrase)
                defaultWords[1] = defaultWords[0] + " " + defaultWords[1]
                pieces += defaultWords.dropFirst()
            }
        }
        let head = String(repeating: " ", count: 2) + name
        let room = Self.descriptionColumn - Self.columns(head)
        let column = String(repeating: " ", count: Self.descriptionColumn)
        if room >= 1 {
            append(pieces, firstLine: head + String(repeating: " ", count: room), indent: Self.descriptionColumn)
        } else {
            text += head
            if !pieces.isEmpty {
                text += "\n"
                append(pieces, firstLine: column, indent: Self.descriptionColumn)
            }
        }
        text += "\n"
    }

    private static func words(_ text: String) -> [String] {
        ASCII.split(text, separator: UInt8(ascii: " "))
    }

    /// Greedy wrapping: as many pieces on a line as fit, never breaking one.
    private mutating func append(_ pieces: [String], firstLine: String, indent: Int) {
        var line = firstLine
        var lineHasPiece = false
        for piece in pieces {
            if lineHasPiece, Self.columns(line) + 1 + Self.columns(piece) > Self.width {
                text += line + "\n"
                line = String(repeating: " ", count: indent)
                lineHasPiece = false
            }
            line += (lineHasPiece ? " " : "") + piece
            lineHasPiece = true
        }
        text += line
    }

    /// Characters as a terminal shows them, counted without the Unicode tables: every byte that
    /// starts a UTF-8 sequence is one column, which holds for the help's ², ✔ and ✘.
    private static func columns(_ text: String) -> Int {
        text.utf8.reduce(0) { count, byte in byte & 0xC0 == 0x80 ? count : count + 1 }
    }
}
