import Foundation

struct MonitorOptions: Equatable {
    /// Where `monitor` starts reading.
    enum Since: Equatable {
        /// Only what arrives after the monitor started, as `az iot hub monitor-events` by default.
        case now
        /// Everything the emulator still holds.
        case start
        /// Messages received at or after this instant.
        case time(Date)
    }

    var adminPort = 44302
    var deviceID: String?
    var hubName: String?
    var since = Since.now
}

extension CommandLineOptions {
    static let monitorSynopsis = """
               kelvin-cloud monitor [--admin-port PORT] [--device ID] [--hub NAME] [--since TIME|start]
        """

    static let monitorDetails = """
        monitor Print the telemetry a running `kelvin-cloud serve` accepts, one JSON object a
                line as `az iot hub monitor-events --properties all --output json` shows each
                event, until Ctrl-C.
          --admin-port PORT        the emulator's admin API port (default 44302)
          --device ID              only this device's messages
          --hub NAME               only messages this hub accepted
          --since TIME|start       also print messages received since TIME, an ISO 8601 UTC
                                   time such as 2026-05-01T10:15:00Z, or every stored message
                                   (start); by default only those that arrive from now on
        """

    static func parseMonitor(_ arguments: ArraySlice<String>) throws(UsageError) -> MonitorOptions {
        var options = try optionPairs(Array(arguments))
        var parsed = MonitorOptions()
        if let port = try take("--admin-port", from: &options) {
            parsed.adminPort = try integer(port, "--admin-port", 1...65535)
        }
        parsed.deviceID = try nonEmpty(take("--device", from: &options), "--device")
        parsed.hubName = try nonEmpty(take("--hub", from: &options), "--hub")
        if let since = try take("--since", from: &options) {
            if since == "start" {
                parsed.since = .start
            } else if let instant = UTCTime.parse(since) {
                parsed.since = .time(instant)
            } else {
                throw UsageError(
                    message: "--since needs an ISO 8601 UTC time such as 2026-05-01T10:15:00Z, or start, not '\(since)'"
                )
            }
        }
        try rejectLeftovers(options)
        return parsed
    }

    private static func nonEmpty(_ value: String?, _ option: String) throws(UsageError) -> String? {
        if value?.isEmpty == true { throw UsageError(message: "\(option) needs a non-empty value") }
        return value
    }
}
