/// The printed table, histograms and plot data of a set of fleet runs.
public enum FleetReport {
    /// Where DPS's limits are documented (docs/azure-facts.md §7).
    public static let limitsSource =
        "https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#iot-hub-device-provisioning-service-limits"

    /// One row per figure, one column per run.
    public static func table(_ results: [FleetResult]) -> [String] {
        func row(_ label: String, _ value: (FleetResult) -> String) -> String {
            "| " + label + " | " + results.map(value).joined(separator: " | ") + " |"
        }
        func seconds(_ milliseconds: Int64?) -> String {
            guard let milliseconds else { return "-" }
            return "\(milliseconds / 1000).\(milliseconds % 1000 / 100) s"
        }
        var lines = [
            "| | " + results.map(\.scenario.name).joined(separator: " | ") + " |",
            "|---|" + String(repeating: "---:|", count: results.count),
        ]
        lines += [
            row("DPS registrations/min allowed") { "\($0.scenario.registrationsPerMinute)" },
            row("readings taken") { "\($0.readingsTaken)" },
            row("readings stored by the hub") { "\($0.hub.readingsStored)" },
            row("still queued at the end (taken in the last 5 min)") { "\($0.pendingAtEnd - $0.stalePendingAtEnd)" },
            row("lost, or queued longer than 5 min") { "\($0.lost + $0.stalePendingAtEnd)" },
            row("stored twice, answer lost (at-least-once)") { "\($0.hub.duplicatesAfterLostAnswer)" },
            row("stored twice otherwise") { "\($0.hub.duplicatesUnexplained)" },
            row("hub requests") { "\($0.timeline.hubPerSecond.reduce(0, +))" },
            row("hub 401/404 answers") { "\($0.hub.refusedUnknownDevice)" },
            row("DPS registrations sent / admitted / 429") {
                "\($0.dps.registrationsSent) / \($0.dps.registrationsAdmitted) / \($0.dps.registrationsThrottled)"
            },
            row("most registrations sent in any 60 s") { "\($0.dps.peakRegistrationsSentPerMinute)" },
            row("most registrations admitted in any 60 s") { "\($0.dps.peakRegistrationsAdmittedPerMinute)" },
            row("DPS polls sent / 429") { "\($0.dps.pollsSent) / \($0.dps.pollsThrottled)" },
            row("most polls by one device in any 10 s") { "\($0.dps.peakPollsPerDevicePer10s)" },
            row("polls over 5 per 10 s (must be 0)") { "\($0.dps.pollLimitBreaches)" },
            row("DPS requests before Retry-After (must be 0)") { "\($0.dps.earlyRetries)" },
            row("most hub requests in 1 s, steady state") { "\($0.tally.peakHubPerSecondSteady)" },
            row("most hub requests in 1 s, after the trouble") { "\($0.tally.peakHubPerSecondAfter)" },
            row("most hub retries in 1 s, after the trouble") { "\($0.tally.peakHubRetriesPerSecondAfter)" },
            row("most DPS requests in 1 s") { "\($0.tally.peakDPSPerSecond)" },
            row("devices registered again") { "\($0.tally.reprovisioned)" },
            row("last one assigned, after the trouble started") { result in
                seconds(result.tally.lastRegisteredAgainAt.map { $0 - result.scenario.troubleStartsAtMilliseconds })
            },
            row("backlog stored, after the trouble ended") { result in
                seconds(result.tally.backlogClearedAt.map { $0 - result.scenario.troubleEndsAtMilliseconds })
            },
            row("checks") { $0.problems.isEmpty ? "pass" : "FAIL" },
        ]
        return lines
    }

    /// Requests per 10 s for the minutes after the trouble ended, as a bar chart: hub retries
    /// (`#`, requests carrying a reading sent before), the hub's other requests (`-`), and DPS's.
    public static func histogram(_ result: FleetResult, buckets: Int = 24) -> [String] {
        let start = result.scenario.troubleEndsAtMilliseconds
        let timeline = result.timeline
        let hub = FleetTimeline.buckets(timeline.hubPerSecond, from: start, count: buckets)
        let retries = FleetTimeline.buckets(timeline.hubRetriesPerSecond, from: start, count: buckets)
        let dps = FleetTimeline.buckets(timeline.dpsPerSecond, from: start, count: buckets)
        let largest = max(hub.max() ?? 1, 1)
        func bar(_ count: Int, _ mark: String) -> String { String(repeating: mark, count: (count * 40 + largest - 1) / largest) }
        var lines = [
            "requests per 10 s after the trouble ended, \(result.scenario.name) (# hub retries, - other hub requests):",
            "  from   retries    hub    DPS",
        ]
        for bucket in 0..<buckets {
            lines.append(
                pad("+\(bucket * 10)s", 6) + pad(String(retries[bucket]), 10) + pad(String(hub[bucket]), 7)
                    + pad(String(dps[bucket]), 7) + "  " + bar(retries[bucket], "#") + bar(hub[bucket] - retries[bucket], "-"))
        }
        return lines
    }

    /// `second<TAB>hub<TAB>dps` per line for the whole run, for gnuplot.
    public static func series(_ result: FleetResult) -> String {
        var text = "# second\thub requests\tDPS requests\thub retries\n"
        let timeline = result.timeline
        for second in timeline.hubPerSecond.indices {
            text += "\(second)\t\(timeline.hubPerSecond[second])\t\(timeline.dpsPerSecond[second])\t\(timeline.hubRetriesPerSecond[second])\n"
        }
        return text
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
