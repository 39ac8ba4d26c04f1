import Foundation

/// Everything the emulated services remember between requests.
struct CloudLedger: Sendable {
    /// Registration operations by operation ID.
    var operations: [String: ProvisioningOperation] = [:]
    /// The hub's device registry, in first-assignment order.
    var devices: [ProvisionedDevice] = []
    var telemetry: [ReceivedTelemetry] = []

    func device(withID deviceID: String) -> ProvisionedDevice? {
        devices.first { $0.deviceID == deviceID }
    }

    func device(registeredAs registrationID: String) -> ProvisionedDevice? {
        devices.first { $0.registrationID.caseInsensitiveEquals(registrationID) }
    }

    /// Adds the device, or replaces the entry with the same device ID (a re-registration may
    /// bring a new certificate, and the hub must then accept only the new one).
    mutating func recordAssignment(_ device: ProvisionedDevice) {
        if let index = devices.firstIndex(where: { $0.deviceID == device.deviceID }) {
            devices[index] = device
        } else {
            devices.append(device)
        }
    }
}

/// One PUT register and the polls that follow it.
struct ProvisioningOperation: Sendable {
    var operationID: String
    var registrationID: String
    var deviceID: String
    var thumbprint: CertificateThumbprint
    /// Operation-status requests answered so far.
    var pollsAnswered: Int = 0
    var createdAt: Date
    var etag: String
    /// Set once a poll has answered "assigned".
    var assignedAt: Date?
}
