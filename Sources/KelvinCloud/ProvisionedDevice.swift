import Foundation

/// A device DPS assigned to the hub: the hub's registry entry for thumbprint authentication.
public struct ProvisionedDevice: Sendable, Equatable {
    public var registrationID: String
    public var deviceID: String
    /// The certificate the device registered with; the hub accepts only this one for `deviceID`.
    public var thumbprint: CertificateThumbprint
    public var assignedHub: String
    /// When the registration was first created; kept across re-registrations, as DPS does.
    public var createdAt: Date
    public var lastAssignedAt: Date
}
