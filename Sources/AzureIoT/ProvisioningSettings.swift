/// What a device needs to know to register with DPS.
public struct ProvisioningSettings: Equatable, Sendable {
    /// DPS's global endpoint; the emulator is elsewhere.
    public static let globalEndpoint = Endpoint(host: "global.azure-devices-provisioning.net")
    /// The version the seed walkthrough's examples and azure-iot-sdk-c use (protocol-facts.md §1.1).
    public static let apiVersion: StaticString = "2021-06-01"

    public var endpoint: Endpoint
    public var idScope: String
    public var registrationID: RegistrationID
    /// Polls are at least this far apart: DPS allows 5 polls per 10 s per device (§1.10).
    public var minimumPollIntervalMilliseconds: Int64
    /// `Retry-After` beyond this is treated as this, so a bad header cannot park a device for hours.
    public var maximumPollIntervalMilliseconds: Int64
    /// Used when DPS sends no `Retry-After`; the C# and Node SDKs use 2 s (§2.4, §2.5).
    public var defaultPollIntervalMilliseconds: Int64
    /// Transient failures (429, 5xx, network) tolerated before giving up.
    public var maximumTransientFailures: Int

    public init(
        endpoint: Endpoint = ProvisioningSettings.globalEndpoint,
        idScope: String,
        registrationID: RegistrationID,
        minimumPollIntervalMilliseconds: Int64 = 2_000,
        maximumPollIntervalMilliseconds: Int64 = 60_000,
        defaultPollIntervalMilliseconds: Int64 = 2_000,
        maximumTransientFailures: Int = 5
    ) {
        self.endpoint = endpoint
        self.idScope = idScope
        self.registrationID = registrationID
        self.minimumPollIntervalMilliseconds = minimumPollIntervalMilliseconds
        self.maximumPollIntervalMilliseconds = maximumPollIntervalMilliseconds
        self.defaultPollIntervalMilliseconds = defaultPollIntervalMilliseconds
        self.maximumTransientFailures = maximumTransientFailures
    }
}
