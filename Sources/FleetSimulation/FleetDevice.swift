import Agent
import AzureIoT
import HTTP1
import Sensors
import Wire

/// One simulated device: the real telemetry state machine (with its provisioning sub-machine,
/// retry policy and SplitMix64 jitter, seeded per device), a wall clock a little off the true
/// time as an NTP-synchronised clock is, and the request it has in flight.
struct FleetDevice {
    /// What a request asked, as far as the simulated services need to know.
    enum Sent {
        case register
        case poll
        case hub(host: String, sequences: [Int])
    }

    /// The request in flight: the answer the network will bring, decided when it was sent.
    struct InFlight {
        let token: UInt64
        let answer: Answer
    }

    enum Answer {
        case response(HTTPResponse)
        case failed(String)
    }

    let index: Int
    let registrationID: String
    var machine: TelemetryStateMachine<SplitMix64>
    /// This device's wall clock minus the true time.
    let clockSkewMilliseconds: Int64
    /// Latencies and which way the network fails for it.
    var network: SplitMix64
    var inFlight: InFlight?
    /// The wake-up the machine asked for last; an earlier scheduled one is stale.
    var wakeAt: Int64?
    var readingsTaken = 0
    /// The newest reading any hub request carried: a request with an older one is a retry.
    var highestSequenceSent = 0
    var lastSequence = 0

    /// The device's settings as `kelvin run` builds them from its defaults (RunOptions and
    /// RunIdentity.machineSettings), with the scenario's interval.
    static func settings(
        intervalMilliseconds: Int64, provisioning: ProvisioningSettings, key: AssignmentKey
    ) -> TelemetryStateMachine<SplitMix64>.Settings {
        let defaults = RunOptions()
        return TelemetryStateMachine<SplitMix64>.Settings(
            count: 0,
            intervalMilliseconds: intervalMilliseconds,
            provisioning: provisioning,
            assignmentKey: key,
            provisioningTimeoutMilliseconds: defaults.provisioningTimeoutMilliseconds,
            retryPolicy: RetryPolicy(capMilliseconds: defaults.retryCapMilliseconds),
            reprovisionIntervalMilliseconds: defaults.reprovisionIntervalMilliseconds,
            pauseAfterGivingUpMilliseconds: defaults.roundPauseMilliseconds,
            hubFailuresBeforeReprovisioning: defaults.hubFailuresBeforeReprovisioning
        )
    }

    func wallClock(at now: Int64) -> Int64 { FleetClock.epochMilliseconds + now + clockSkewMilliseconds }

    /// A reading of a steady 21.5 °C: its value does not matter here, its sequence does.
    func reading(sequence: Int, takenAtMilliseconds: Int64) -> Reading {
        Reading(
            temperature: Millidegrees(21_500), temperatureFractionDigits: 1, takenAtMilliseconds: takenAtMilliseconds,
            sequence: sequence)
    }
}

/// The virtual clock's epoch on the wall: 2027-01-15 08:00:00 UTC, a whole minute.
enum FleetClock {
    static let epochMilliseconds: Int64 = 1_800_000_000_000
}
