import Agent

/// What the devices reported, counted across the fleet, and the bursts seen on the way.
public struct FleetTally: Sendable {
    public var saves = 0
    public var stopped = 0
    public var reprovisioned = 0
    public var identityRejected = 0
    public var hubUnreachable = 0
    public var provisioningFailed = 0
    public var provisioningRequestsFailed = 0
    public var reprovisioningDeferred = 0
    public var retrying = 0
    public var keptForLater = 0
    public var displaced = 0
    public var dropped = 0
    public var answersLost = 0
    /// Most hub requests in any 1 s once every device had booted and before the trouble.
    public var peakHubPerSecondSteady = 0
    /// Most hub requests in any 1 s after the trouble ended.
    public var peakHubPerSecondAfter = 0
    /// Most hub retries (requests carrying a reading sent before) in any 1 s after the trouble.
    public var peakHubRetriesPerSecondAfter = 0
    public var peakDPSPerSecond = 0
    /// When the last device that registered again was assigned.
    public var lastRegisteredAgainAt: Int64?
    /// When the hub stored the last reading taken before the trouble ended.
    public var backlogClearedAt: Int64?

    mutating func count(_ event: TelemetryEvent) {
        switch event {
        case .provisioned(_, _, let again): if again { reprovisioned += 1 }
        case .identityRejected: identityRejected += 1
        case .hubUnreachable: hubUnreachable += 1
        case .provisioningFailed: provisioningFailed += 1
        case .provisioningRequestFailed: provisioningRequestsFailed += 1
        case .reprovisioningDeferred: reprovisioningDeferred += 1
        case .retrying: retrying += 1
        case .keptForLater: keptForLater += 1
        case .displaced: displaced += 1
        case .dropped: dropped += 1
        default: break
        }
    }
}

/// A finished run: the counts, and the checks the fleet must pass.
public struct FleetResult: Sendable {
    public let scenario: FleetScenario
    public let dps: SimulatedDPS.Counts
    public let hub: SimulatedHub.Counts
    public let tally: FleetTally
    public let timeline: FleetTimeline
    public let readingsTaken: Int
    /// Readings still queued on the devices when the run ended.
    public let pendingAtEnd: Int
    /// Of those, readings taken more than 5 minutes before the end: a backlog that did not drain.
    public let stalePendingAtEnd: Int
    /// Readings neither stored by the hub nor queued on their device.
    public let lost: Int

    /// Each broken rule, as a line; empty when the fleet behaved.
    public var problems: [String] {
        var problems: [String] = []
        if dps.pollLimitBreaches > 0 {
            problems.append("\(dps.pollLimitBreaches) poll(s) broke DPS's limit of 5 per 10 s per device")
        }
        if dps.peakRegistrationsAdmittedPerMinute > scenario.registrationsPerMinute {
            problems.append("DPS admitted \(dps.peakRegistrationsAdmittedPerMinute) registrations in a minute, over its \(scenario.registrationsPerMinute)")
        }
        if dps.earlyRetries > 0 {
            problems.append("\(dps.earlyRetries) DPS request(s) came before the Retry-After of a 429 had passed")
        }
        if lost > 0 { problems.append("\(lost) reading(s) lost: neither at the hub nor queued") }
        if stalePendingAtEnd > 0 {
            problems.append("\(stalePendingAtEnd) reading(s) older than 5 minutes still queued at the end")
        }
        if hub.duplicatesUnexplained > 0 {
            problems.append("\(hub.duplicatesUnexplained) reading(s) stored twice although the device had been told they were delivered")
        }
        if tally.dropped > 0 || tally.displaced > 0 {
            problems.append("\(tally.dropped) reading(s) dropped and \(tally.displaced) displaced")
        }
        return problems
    }
}
