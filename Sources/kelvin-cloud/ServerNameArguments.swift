import ArgumentParser

/// `--server-name` and `--ip`, shared by `init` and `pki server`: what the server certificate
/// covers besides localhost and 127.0.0.1.
struct ServerNameArguments: ParsableArguments {
    @Option(
        name: .customLong("server-name"),
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "A DNS name the server certificate also covers, besides localhost and 127.0.0.1 (repeatable).",
            valueName: "name"
        )
    )
    var names: [String] = []

    @Option(
        name: .customLong("ip"),
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "An IPv4 or IPv6 address the server certificate also covers, e.g. the laptop's LAN address "
                + "for a Pi on the bench (repeatable).",
            valueName: "address"
        )
    )
    var addresses: [String] = []

    /// Every `--server-name`, each checked to be a DNS name.
    func checkedNames() throws(ValidationError) -> [String] {
        var checked: [String] = []
        for name in names {
            checked.append(try OptionValues.dnsName(name, "--server-name"))
        }
        return checked
    }

    /// Every `--ip` as the bytes a certificate's iPAddress name holds.
    func addressBytes() throws(ValidationError) -> [[UInt8]] {
        var checked: [[UInt8]] = []
        for address in addresses {
            checked.append(try OptionValues.ipAddressBytes(address, "--ip"))
        }
        return checked
    }
}
