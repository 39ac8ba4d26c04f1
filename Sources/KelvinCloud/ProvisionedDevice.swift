import Foundation

/// A device in one hub's registry, put there by DPS: the hub's record for thumbprint
/// authentication.
public struct ProvisionedDevice: Sendable, Equatable {
    public var registrationID: String
    public var deviceID: String
    /// The certificate the device registered with; the hub accepts only this one for `deviceID`.
    public var thumbprint: CertificateThumbprint
    /// ``HubConfiguration/name`` of the hub whose registry holds the device.
    public var hubName: String
    /// The `assignedHub` value DPS returned, `host:port`.
    public var assignedHub: String
    /// When the registration was first created; kept across re-registrations, as DPS does.
    public var createdAt: Date
    public var lastAssignedAt: Date
    /// A disabled device is refused by its hub with 403 / 403012.
    public var isEnabled: Bool = true
}

/// DPS's record of a registration: what the status lookup returns and what a re-registration
/// starts from.
public struct RegistrationRecord: Sendable, Equatable {
    public enum Status: String, Sendable {
        case assigned
        case failed
    }

    public var registrationID: String
    public var deviceID: String
    public var status: Status
    public var hubName: String?
    public var assignedHub: String?
    /// The first hub this registration was assigned to, for `reprovisionedToInitialAssignment`.
    public var initialHubName: String?
    public var substatus: String?
    public var failure: AllocationFailure?
    /// `enrollmentGroupId` for devices registered through a group.
    public var groupID: String?
    public var createdAt: Date
    public var lastUpdatedAt: Date
    public var etag: String
}
