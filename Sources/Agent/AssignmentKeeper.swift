import AzureIoT
import HTTP1

/// Provisions once: reuses the saved assignment while it is valid for this device, and goes to
/// DPS only when there is none, when it was made for another certificate, scope or endpoint,
/// when asked to, or when the hub has stopped accepting the device.
public struct AssignmentKeeper<Store: AssignmentStore> {
    public let settings: ProvisioningSettings
    /// What a saved assignment must have been made for to be reused.
    public let key: AssignmentKey
    public var store: Store
    /// The bound on one whole DPS registration, polls and retries included.
    public let timeoutMilliseconds: Int64

    public init(settings: ProvisioningSettings, certificateSHA256: String, store: Store, timeoutMilliseconds: Int64) {
        self.settings = settings
        key = AssignmentKey(
            dpsEndpoint: settings.endpoint.description,
            idScope: settings.idScope,
            registrationID: settings.registrationID.value,
            certificateSHA256: certificateSHA256
        )
        self.store = store
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The saved assignment when it is still valid for this device; nil (with the reason logged)
    /// when DPS has to be asked.
    public mutating func savedAssignment(log: (String) -> Void) -> SavedAssignment? {
        guard let saved = store.load(log: log) else { return nil }
        if let mismatch = saved.mismatch(with: key) {
            log("the saved assignment \(mismatch); provisioning again")
            return nil
        }
        return saved
    }

    /// Registers with DPS and saves the result.
    public mutating func provision<Transport: HTTPTransport, Clock: AgentClock, Random: RandomSource>(
        transport: inout Transport,
        clock: Clock,
        random: inout Random,
        log: (String) -> Void
    ) throws(ProvisioningRunError<Transport.Failure>) -> (SavedAssignment, requests: Int) {
        let (assignment, requests) = try ProvisioningDriver.provision(
            // A fresh stream per registration keeps two in one run from sharing a jitter schedule.
            settings, transport: &transport, clock: clock, random: SplitMix64(seed: random.next()),
            timeoutMilliseconds: timeoutMilliseconds, log: log
        )
        let saved = SavedAssignment(assignment: assignment, assignedAtSeconds: clock.wallClockSeconds, key: key)
        store.save(saved, log: log)
        return (saved, requests)
    }
}
