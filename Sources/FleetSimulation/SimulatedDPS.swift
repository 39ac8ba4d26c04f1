import HTTP1

/// One DPS instance as the emulator behaves (Sources/KelvinCloud/ProvisioningEndpoint.swift):
/// register answers 202 with `Retry-After: 3`, the first poll "assigning", the second the
/// assignment; registrations per instance per minute and polls per device per 10 s are limited
/// by sliding windows, and a request past either gets 429 with `Retry-After`.
///
/// Besides what it admits, it watches what the devices send: a device's sixth poll within 10 s
/// breaks DPS's limit whether or not DPS throttles it, and a request sooner than the last
/// `Retry-After` allowed is a device not backing off.
public struct SimulatedDPS {
    public struct Counts: Sendable {
        public var registrationsSent = 0
        public var registrationsAdmitted = 0
        public var registrationsThrottled = 0
        public var pollsSent = 0
        public var pollsThrottled = 0
        /// Polls that were a device's sixth (or later) within 10 s.
        public var pollLimitBreaches = 0
        /// Requests that came before the `Retry-After` of a 429 to the same device had passed.
        public var earlyRetries = 0
        public var peakRegistrationsSentPerMinute = 0
        public var peakRegistrationsAdmittedPerMinute = 0
        public var peakPollsPerDevicePer10s = 0
    }

    private struct Operation {
        let id: String
        var pollsAnswered = 0
    }

    public private(set) var counts = Counts()
    /// Where a registration puts the device, and the substatus it says.
    var assignedHub: String
    var substatus: String
    private var registrations: SlidingWindow
    private var registrationsSeen: SlidingWindow
    private var pollsAdmitted: [SlidingWindow]
    private var pollsSeen: [SlidingWindow]
    private var registerNotBefore: [Int64]
    private var pollNotBefore: [Int64]
    private var operations: [Operation?]
    private var operationsStarted = 0

    public init(devices: Int, registrationsPerMinute: Int, assignedHub: String, substatus: String) {
        self.assignedHub = assignedHub
        self.substatus = substatus
        registrations = SlidingWindow(maximum: registrationsPerMinute, windowMilliseconds: 60_000)
        registrationsSeen = SlidingWindow(maximum: Int.max, windowMilliseconds: 60_000)
        let pollWindow = SlidingWindow(maximum: FleetLimits.pollsPerDevice, windowMilliseconds: FleetLimits.pollWindowMilliseconds)
        pollsAdmitted = Array(repeating: pollWindow, count: devices)
        pollsSeen = Array(repeating: pollWindow, count: devices)
        registerNotBefore = Array(repeating: .min, count: devices)
        pollNotBefore = Array(repeating: .min, count: devices)
        operations = Array(repeating: nil, count: devices)
    }

    /// PUT register (and the status lookup, which DPS counts alike).
    public mutating func register(device: Int, at now: Int64) -> HTTPResponse {
        counts.registrationsSent += 1
        if now < registerNotBefore[device] { counts.earlyRetries += 1 }
        counts.peakRegistrationsSentPerMinute = max(counts.peakRegistrationsSentPerMinute, registrationsSeen.record(at: now))
        if let wait = registrations.admit(at: now) {
            counts.registrationsThrottled += 1
            registerNotBefore[device] = now + Int64(wait) * 1000
            return ServiceAnswers.throttled(retryAfterSeconds: wait)
        }
        counts.registrationsAdmitted += 1
        counts.peakRegistrationsAdmittedPerMinute = max(counts.peakRegistrationsAdmittedPerMinute, registrations.count(at: now))
        operationsStarted += 1
        let operation = Operation(id: "5.\(operationsStarted).fleet")
        operations[device] = operation
        return ServiceAnswers.registrationAccepted(operationID: operation.id)
    }

    /// GET operation status.
    public mutating func poll(device: Int, registrationID: String, at now: Int64) -> HTTPResponse {
        counts.pollsSent += 1
        if now < pollNotBefore[device] { counts.earlyRetries += 1 }
        let seen = pollsSeen[device].record(at: now)
        counts.peakPollsPerDevicePer10s = max(counts.peakPollsPerDevicePer10s, seen)
        if seen > FleetLimits.pollsPerDevice { counts.pollLimitBreaches += 1 }
        if let wait = pollsAdmitted[device].admit(at: now) {
            counts.pollsThrottled += 1
            pollNotBefore[device] = now + Int64(wait) * 1000
            return ServiceAnswers.throttled(retryAfterSeconds: wait)
        }
        guard var operation = operations[device] else {
            return HTTPResponse(status: 404, body: Array(#"{"errorCode":404000,"message":"Operation not found."}"#.utf8))
        }
        operation.pollsAnswered += 1
        operations[device] = operation
        if operation.pollsAnswered <= 1 {
            return ServiceAnswers.stillAssigning(operationID: operation.id, registrationID: registrationID)
        }
        return ServiceAnswers.assigned(
            operationID: operation.id, registrationID: registrationID, hub: assignedHub, substatus: substatus)
    }
}
