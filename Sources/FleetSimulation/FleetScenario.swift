/// What a fleet run simulates: how many devices, how they sample, and what happens to the
/// services. Times are virtual milliseconds from the start of the run.
public struct FleetScenario: Sendable {
    public enum Trouble: Sendable, Equatable {
        /// DPS and the hub are unreachable (refused connections, connect timeouts) from the
        /// start for the length, then both return.
        case outage(lengthMilliseconds: Int64)
        /// The hub stops knowing every device at once (401 or 404, as after a failover to a new
        /// hub); DPS assigns each to the new hub when asked.
        case hubFailover
    }

    public var name: String
    public var devices: Int
    public var intervalMilliseconds: Int64
    /// Devices boot spread over this span from the start of the run.
    public var bootSpreadMilliseconds: Int64
    public var trouble: Trouble
    public var troubleStartsAtMilliseconds: Int64
    public var durationMilliseconds: Int64
    /// DPS's device registrations per minute per instance (one service unit).
    public var registrationsPerMinute: Int
    /// Seeds every device's jitter source and the network's latencies.
    public var seed: UInt64

    public init(
        name: String,
        devices: Int = 1_000,
        intervalMilliseconds: Int64 = 60_000,
        bootSpreadMilliseconds: Int64 = 60_000,
        trouble: Trouble,
        troubleStartsAtMilliseconds: Int64 = 300_050,
        durationMilliseconds: Int64 = 2_700_000,
        registrationsPerMinute: Int = FleetLimits.registrationsPerMinute,
        seed: UInt64 = 22
    ) {
        self.name = name
        self.devices = max(devices, 1)
        self.intervalMilliseconds = max(intervalMilliseconds, 1)
        self.bootSpreadMilliseconds = max(bootSpreadMilliseconds, 1)
        self.trouble = trouble
        self.troubleStartsAtMilliseconds = troubleStartsAtMilliseconds
        self.durationMilliseconds = durationMilliseconds
        self.registrationsPerMinute = max(registrationsPerMinute, 1)
        self.seed = seed
    }

    /// When the trouble ends: the outage's end, or the failover's moment.
    public var troubleEndsAtMilliseconds: Int64 {
        switch trouble {
        case .outage(let length): return troubleStartsAtMilliseconds + length
        case .hubFailover: return troubleStartsAtMilliseconds
        }
    }
}

/// DPS's documented rate limits (docs/azure-facts.md §7), as the emulator applies them.
public enum FleetLimits {
    /// "Device registrations: 1,000/min/service" (per service unit).
    public static let registrationsPerMinute = 1_000
    /// "Device polling operation: 5/10 sec/device", not adjustable.
    public static let pollsPerDevice = 5
    public static let pollWindowMilliseconds: Int64 = 10_000
}
