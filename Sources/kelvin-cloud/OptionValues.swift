import ArgumentParser
import Foundation

/// Checks of option values that ArgumentParser's types do not express, each refusing a bad value
/// with one line that names the option and what it takes.
enum OptionValues {
    static func integer(_ value: Int, _ option: String, _ range: ClosedRange<Int>) throws(ValidationError) -> Int {
        guard range.contains(value) else {
            throw ValidationError(
                "\(option) needs a whole number in \(range.lowerBound)...\(range.upperBound), not '\(value)'"
            )
        }
        return value
    }

    /// One of `choices` by its raw value; `described` lists them as the message says them.
    static func choice<Choice: RawRepresentable<String>>(
        _ text: String,
        _ option: String,
        described: String,
        as _: Choice.Type = Choice.self
    ) throws(ValidationError) -> Choice {
        guard let value = Choice(rawValue: text) else {
            throw ValidationError("\(option) needs \(described), not '\(text)'")
        }
        return value
    }

    /// `name` or `name:port`.
    static func hub(_ text: String) throws(ValidationError) -> HubOption {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, !name.isEmpty else {
            throw ValidationError("--hub needs NAME or NAME:PORT, not '\(text)'")
        }
        guard parts.count == 2 else { return HubOption(name: name, port: 0) }
        guard let port = Int(parts[1]), (0...65535).contains(port) else {
            throw ValidationError("--hub port needs a whole number in 0...65535, not '\(parts[1])'")
        }
        return HubOption(name: name, port: port)
    }

    /// The 4 or 16 bytes a certificate's iPAddress name holds.
    static func ipAddressBytes(_ text: String, _ option: String) throws(ValidationError) -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: v6) { Array($0) }
        }
        throw ValidationError("\(option) needs an IP address such as 0.0.0.0 or 192.168.1.20, not '\(text)'")
    }

    /// An IPv4 or IPv6 address in its usual text form; names are not resolved here.
    static func ipAddress(_ text: String, _ option: String) throws(ValidationError) -> String {
        _ = try ipAddressBytes(text, option)
        return text
    }

    /// A host name as certificates and resolvers take it: dot-separated labels of letters,
    /// digits and inner hyphens, each at most 63 characters, at most 253 in all.
    static func dnsName(_ text: String, _ option: String) throws(ValidationError) -> String {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        let isValid = !text.isEmpty && text.utf8.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
            }
        guard isValid else {
            throw ValidationError("\(option) needs a DNS name such as kelvin-hub.test, not '\(text)'")
        }
        return text
    }

    static func nonEmpty(_ value: String?, _ option: String) throws(ValidationError) -> String? {
        if value?.isEmpty == true { throw ValidationError("\(option) needs a non-empty value") }
        return value
    }
}
