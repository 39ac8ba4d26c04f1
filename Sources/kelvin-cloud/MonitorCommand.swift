import ArgumentParser

/// `kelvin-cloud monitor`: prints what a running emulator's hubs accept until a signal.
struct MonitorCommand: CheckedCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Print the telemetry a running `kelvin-cloud serve` accepts, until Ctrl-C.",
        discussion: """
            One JSON object a line, as `az iot hub monitor-events --properties all --output json` \
            shows each event. Exits 69 when no emulator answers on the admin port.
            """
    )

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("The emulator's admin API port.", valueName: "port")
    )
    var adminPort = MonitorOptions().adminPort

    @Option(
        name: .customLong("device"),
        parsing: .unconditional,
        help: ArgumentHelp("Only this device's messages.", valueName: "id")
    )
    var deviceID: String?

    @Option(
        name: .customLong("hub"),
        parsing: .unconditional,
        help: ArgumentHelp("Only messages this hub accepted.", valueName: "name")
    )
    var hubName: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Also print messages received since TIME, an ISO 8601 UTC time such as 2026-05-01T10:15:00Z, "
                + "or every stored message (start); by default only those that arrive from now on.",
            valueName: "time|start"
        )
    )
    var since: String?

    func options() throws(ValidationError) -> MonitorOptions {
        var parsed = MonitorOptions()
        parsed.adminPort = try OptionValues.integer(adminPort, "--admin-port", 1...65535)
        parsed.deviceID = try OptionValues.nonEmpty(deviceID, "--device")
        parsed.hubName = try OptionValues.nonEmpty(hubName, "--hub")
        if let since {
            if since == "start" {
                parsed.since = .start
            } else if let instant = UTCTime.parse(since) {
                parsed.since = .time(instant)
            } else {
                throw ValidationError(
                    "--since needs an ISO 8601 UTC time such as 2026-05-01T10:15:00Z, or start, not '\(since)'"
                )
            }
        }
        return parsed
    }
}
