/// Why a GPIO line could not be found or used, in terms a person can act on.
public enum GPIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No `gpiochip*` device in the directory searched.
    case noChips(directory: String)
    /// No chip has the label; `present` lists the chips there are ("gpiochip0 [pinctrl-bcm2711]").
    case chipNotFound(label: String, present: [String])
    /// No line has the name on any chip; `chips` lists the chips searched.
    case lineNotFound(name: String, chips: [String])
    /// The chip has fewer lines than the offset asked for.
    case offsetOutOfRange(chip: String, offset: UInt32, lineCount: Int)
    /// The chip's device node exists but this user may not open it (EACCES/EPERM).
    case permissionDenied(path: String)
    /// Another process, or a kernel driver bound by a dtoverlay, holds the line (EBUSY).
    case busy(line: String)
    /// Any other errno, with the step that failed.
    case failed(operation: String, subject: String, Errno)

    public var description: String {
        switch self {
        case .noChips(let directory):
            return "no GPIO chips (\(directory)/gpiochip*) exist: this machine has no GPIO controller, or a container was started without its GPIO devices"
        case .chipNotFound(let label, let present):
            return "no GPIO chip is labelled \"\(label)\"; present: \(present.joined(separator: ", ")) (`gpiodetect` lists them)"
        case .lineNotFound(let name, let chips):
            return "no GPIO line is named \"\(name)\" on \(chips.joined(separator: ", ")); the Pi's header lines are GPIO0…GPIO27 (`gpioinfo` lists the names)"
        case .offsetOutOfRange(let chip, let offset, let lineCount):
            return "\(chip) has \(lineCount) lines, so there is no line \(offset); `gpioinfo` lists them"
        case .permissionDenied(let path):
            return "no permission to open \(path): add the user to the gpio group (sudo usermod -aG gpio $USER) and log in again"
        case .busy(let line):
            return "\(line) is busy: another program holds the line (check `gpioinfo`), or a dtoverlay gave it to a kernel driver"
        case .failed(let operation, let subject, let error):
            return "\(operation) \(subject) failed: \(error)"
        }
    }

    /// The error for `errno` from `operation` on `subject` (a chip or line) of the chip at `chipPath`.
    static func from(_ error: Errno, operation: String, subject: String, chipPath: String) -> GPIOError {
        if error == .permissionDenied || error == .notPermitted { return .permissionDenied(path: chipPath) }
        if error == .busy { return .busy(line: subject) }
        return .failed(operation: operation, subject: subject, error)
    }
}
