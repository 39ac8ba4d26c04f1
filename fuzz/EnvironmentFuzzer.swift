@testable import Agent
import Wire

/// The `environment` target: a `KELVIN_*` variable's text read by its setting's kind
/// (`SettingKind.value(fromText:)`) and checked by the settings table.
///
/// Input: byte 0 picks the setting (`SettingKey.allCases`); the rest is the variable's text.
///
/// `30s` means the same wherever it is written: the variable and the same value in
/// `kelvin.conf` (quoted, a list, or the bare number or duration) give the same options or are
/// both refused; every refusal is one clean line naming the variable.
enum EnvironmentTarget {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let keys = SettingKey.allCases
        let key = keys[Int(input.byte()) % keys.count]
        let text = String(decoding: input.rest(), as: UTF8.self)
        let setting = key.setting
        let name = setting.environmentName

        let fromEnvironment: Result<RunOptions, ConfigurationError>
        do {
            fromEnvironment = .success(try Configuration.resolve(
                file: nil, path: "kelvin.conf", environment: { ASCII.equals($0, name) ? text : nil }, flags: []))
        } catch {
            invariant(isOneCleanLine(error.description), "the error \(Array(error.description.utf8)) is not one clean line")
            invariant(text.isEmpty || error.description.utf8.starts(with: name.utf8), "the error \(error) does not name \(name)")
            fromEnvironment = .failure(error)
        }
        guard !text.isEmpty, let line = fileLine(setting, text) else { return }
        let file = utf8("[" + setting.section + "]\n" + setting.name + " = ") + line + [0x0A]
        let fromFile: Result<RunOptions, ConfigurationError>
        do {
            fromFile = .success(try Configuration.resolve(file: file, path: "kelvin.conf", environment: { _ in nil }, flags: []))
        } catch {
            fromFile = .failure(error)
        }
        switch (fromEnvironment, fromFile) {
        case (.success(let one), .success(let other)):
            invariant(one == other, "\(name)=\(text) gave other options than the same value in kelvin.conf (\(String(decoding: line, as: UTF8.self)))")
        case (.failure, .failure): break
        default:
            invariant(false, "\(name)=\(text) gave \(fromEnvironment), the same value in kelvin.conf (\(String(decoding: line, as: UTF8.self))) \(fromFile)")
        }
    }

    /// How `kelvin.conf` writes the value the variable's text is read as; nil when the file
    /// cannot say it (a control character in a string, a line past the limit).
    static func fileLine(_ setting: Setting, _ text: String) -> [UInt8]? {
        let line: [UInt8]
        switch setting.kind.value(fromText: text) {
        case .integer(let number): line = utf8(ASCII.decimalString(number))
        case .duration(let milliseconds): line = utf8(String(milliseconds) + "ms")
        case .strings(let items):
            guard items.allSatisfy(writable) else { return nil }
            line = ConfigFileTarget.value(.strings(items))
        case .string(let value):
            guard writable(value) else { return nil }
            line = ConfigFileTarget.quoted(value)
        case .boolean: return nil
        }
        return line.count + 64 <= ConfigFile.maximumLineBytes ? line : nil
    }

    /// Strings `kelvin.conf` can hold: no control character but tab and newline (escaped).
    static func writable(_ text: String) -> Bool {
        !text.utf8.contains { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A) || $0 == 0x7F }
    }
}
