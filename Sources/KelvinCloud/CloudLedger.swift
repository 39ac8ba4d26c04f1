import Foundation

/// Everything the emulated services remember between requests, behind the server's one lock.
struct CloudLedger: Sendable {
    var enrollments = EnrollmentRegistry()
    /// Registration operations by operation ID.
    var operations: [String: ProvisioningOperation] = [:]
    /// DPS's registration records by lower-cased registration ID (IDs compare case-insensitively).
    var registrations: [String: RegistrationRecord] = [:]
    /// Every hub's registry, in first-assignment order.
    var devices: [ProvisionedDevice] = []
    var telemetry: [ReceivedTelemetry] = []
    /// Never reset, so clearing the messages does not hand out a sequence number twice.
    private(set) var latestTelemetrySequence = 0
    /// Answered operation-status polls per lower-cased registration ID, for the poll rate limit.
    var recentPolls: [String: RateWindow] = [:]
    /// Registrations and registration-status lookups this DPS instance took, for its limit.
    var recentRegistrations = RateWindow()
    var faults = FaultBook()
    var exchanges = ExchangeBook()

    mutating func accept(_ messages: [ReceivedTelemetry]) {
        for var message in messages {
            latestTelemetrySequence += 1
            message.sequence = latestTelemetrySequence
            telemetry.append(message)
        }
    }

    func device(withID deviceID: String) -> ProvisionedDevice? {
        devices.first { $0.deviceID == deviceID }
    }

    func device(registeredAs registrationID: String) -> ProvisionedDevice? {
        devices.first { $0.registrationID.caseInsensitiveEquals(registrationID) }
    }

    func deviceCount(onHub hubName: String) -> Int {
        devices.count { $0.hubName == hubName }
    }

    /// Adds the device, or replaces the entry with the same device ID (a re-registration may
    /// bring a new certificate or a new hub, and only the new ones may then be used).
    mutating func recordAssignment(_ device: ProvisionedDevice) {
        if let index = devices.firstIndex(where: { $0.deviceID == device.deviceID }) {
            devices[index] = device
        } else {
            devices.append(device)
        }
    }

    /// Deletes the DPS registration and the hub identity it created; returns whether either existed.
    mutating func deleteRegistration(_ registrationID: String) -> Bool {
        let removedRecord = registrations.removeValue(forKey: registrationID.lowercased()) != nil
        let before = devices.count
        devices.removeAll { $0.registrationID.caseInsensitiveEquals(registrationID) }
        return removedRecord || devices.count != before
    }

    /// Messages whose `iothub-messageid` repeats an earlier message's from the same device.
    var duplicateMessageCount: Int {
        var seen = Set<String>()
        var duplicates = 0
        for message in telemetry {
            guard let messageID = message.messageID else { continue }
            if !seen.insert("\(message.deviceID)\u{0}\(messageID)").inserted {
                duplicates += 1
            }
        }
        return duplicates
    }
}

/// One PUT register and the polls that follow it; the outcome is decided when it is created.
struct ProvisioningOperation: Sendable {
    enum Outcome: Sendable {
        case assign(ProvisionedDevice, substatus: String)
        case fail(AllocationFailure)
    }

    var operationID: String
    var registrationID: String
    var deviceID: String
    var groupID: String?
    var outcome: Outcome
    /// Operation-status requests answered so far.
    var pollsAnswered: Int = 0
    var createdAt: Date
    var etag: String
    /// Set once the outcome has been revealed and recorded.
    var completedAt: Date?
}
