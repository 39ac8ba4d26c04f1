/// Where DPS put the device: the hub to send to and the identity to send as.
public struct Assignment: Equatable, Sendable {
    public var hub: Endpoint
    public var deviceID: String
    /// `initialAssignment`, `deviceDataMigrated`, `deviceDataReset` or
    /// `reprovisionedToInitialAssignment` (protocol-facts.md §1.4).
    public var substatus: String

    public init(hub: Endpoint, deviceID: String, substatus: String) {
        self.hub = hub
        self.deviceID = deviceID
        self.substatus = substatus
    }
}
