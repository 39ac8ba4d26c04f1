import AzureIoT
import Sensors

/// What happened to the readings on their way to the hub, for the log and progress lines.
public enum UplinkEvent {
    /// A reading was taken and queued (in the spool, when there is one), before any send.
    case queued(Reading)
    /// The hub accepted these readings (oldest first); the slice is only valid during the report.
    case delivered(ArraySlice<Reading>, hub: Endpoint, batched: Bool)
    /// A retriable problem; the same readings go again after the delay.
    case retrying(problem: String, afterMilliseconds: Int64, pending: Int)
    /// The retry policy's attempts are used up; the readings stay queued for the next round.
    case keptForLater(problem: String, pending: Int, retryInMilliseconds: Int64)
    /// The hub refused a whole batch as malformed; its readings go one by one so that only a bad
    /// one is dropped.
    case batchRefused(ServiceFailure, readings: Int)
    /// The hub will never accept this reading; it alone is dropped.
    case dropped(Reading, ServiceFailure)
    /// The wall clock is not set (it reads before 2024), so readings are stamped from the
    /// monotonic clock until it is; said once per stretch.
    case clockUnset(wallClockMilliseconds: Int64)
    /// The wall clock is set now; the queued readings stamped before it have their times.
    case clockSet(wallClockMilliseconds: Int64, restampedReadings: Int)
    /// The sensor gave no reading at this slot; the loop carries on at the next.
    case sensorFailed(SensorError)
    /// The queue was full: the oldest reading gave way to a new one.
    case displaced(Reading)
    /// The hub no longer accepts this identity (deleted, disabled, moved).
    case identityRejected(ServiceFailure)
    /// Re-provisioning waits, to keep DPS from being asked more than once per interval.
    case reprovisioningDeferred(forMilliseconds: Int64)
    case reprovisioned(SavedAssignment, requests: Int)
    /// A line from provisioning (a retry, a saved assignment that no longer applies).
    case note(String)
    /// DPS could not assign the device again; the readings stay queued and it is tried again later.
    case reprovisioningFailed(problem: String, retryInMilliseconds: Int64)
}
