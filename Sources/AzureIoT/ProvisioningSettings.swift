/// What a device needs to know to register with DPS.
public struct ProvisioningSettings: Equatable, Sendable {
    /// DPS's global endpoint; the emulator is elsewhere.
    public static let globalEndpoint = Endpoint(host: "global.azure-devices-provisioning.net")
    /// The version the seed walkthrough's examples and azure-iot-sdk-c use (protocol-facts.md §1.1).
    public static let defaultAPIVersion = "2021-06-01"
    /// DPS allows 5 polls per 10 s per device (§1.10). With every wait at least this long, any
    /// six requests span at least 10 s, so no 10-second window ever holds more than five.
    public static let pollIntervalFloorMilliseconds: Int64 = 2_000

    public var endpoint: Endpoint
    public var idScope: String
    public var registrationID: RegistrationID
    public var apiVersion: String
    /// Sent with the registration for custom allocation; nil sends none.
    public var payload: ProvisioningPayload?
    /// Polls are at least this far apart; never below `pollIntervalFloorMilliseconds`.
    public var minimumPollIntervalMilliseconds: Int64
    /// `Retry-After` beyond this is treated as this, so a bad header cannot park a device for hours.
    public var maximumPollIntervalMilliseconds: Int64
    /// Used when DPS sends no `Retry-After`; the C# and Node SDKs use 2 s (§2.4, §2.5).
    public var defaultPollIntervalMilliseconds: Int64
    /// Waits after 429, 5xx and network failures, and how many of them to tolerate.
    public var retryPolicy: RetryPolicy

    public init(
        endpoint: Endpoint = ProvisioningSettings.globalEndpoint,
        idScope: String,
        registrationID: RegistrationID,
        apiVersion: String = ProvisioningSettings.defaultAPIVersion,
        payload: ProvisioningPayload? = nil,
        minimumPollIntervalMilliseconds: Int64 = 2_000,
        maximumPollIntervalMilliseconds: Int64 = 60_000,
        defaultPollIntervalMilliseconds: Int64 = 2_000,
        retryPolicy: RetryPolicy = .provisioning
    ) {
        self.endpoint = endpoint
        self.idScope = idScope
        self.registrationID = registrationID
        self.apiVersion = apiVersion
        self.payload = payload
        let floor = max(minimumPollIntervalMilliseconds, Self.pollIntervalFloorMilliseconds)
        self.minimumPollIntervalMilliseconds = floor
        self.maximumPollIntervalMilliseconds = max(maximumPollIntervalMilliseconds, floor)
        self.defaultPollIntervalMilliseconds = min(max(defaultPollIntervalMilliseconds, floor), self.maximumPollIntervalMilliseconds)
        var policy = retryPolicy
        policy.floorMilliseconds = max(policy.floorMilliseconds, Self.pollIntervalFloorMilliseconds)
        policy.capMilliseconds = max(policy.capMilliseconds, policy.floorMilliseconds)
        self.retryPolicy = policy
    }
}
