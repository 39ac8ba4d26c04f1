import HTTP1

/// IoT Hub as the devices meet it: it stores every message it accepts, and after a failover the
/// old hub no longer knows any device (401 / 401003 to half of them, 404 / 404001 to the other
/// half) while the new one accepts them.
///
/// It keeps, per device and reading, whether the reading arrived and whether the device heard
/// so: a reading accepted twice is a duplicate the protocol allows (at-least-once) only when the
/// first acceptance's answer never reached the device.
public struct SimulatedHub {
    public struct Counts: Sendable {
        public var requests = 0
        public var accepted = 0
        public var refusedUnknownDevice = 0
        public var readingsStored = 0
        /// Readings accepted again after an acceptance whose answer was lost: allowed.
        public var duplicatesAfterLostAnswer = 0
        /// Readings accepted again although the device had heard they were: a bug.
        public var duplicatesUnexplained = 0
    }

    private enum Delivery: UInt8 {
        case none, acknowledged, answerLost
    }

    public private(set) var counts = Counts()
    let oldHub: String
    /// From this time the old hub knows no device; nil: never.
    let forgetsDevicesAt: Int64?
    private var deliveries: [[Delivery]]

    public init(devices: Int, oldHub: String, forgetsDevicesAt: Int64?) {
        self.oldHub = oldHub
        self.forgetsDevicesAt = forgetsDevicesAt
        deliveries = Array(repeating: [], count: devices)
    }

    /// A POST of `sequences` from `device` to `hub`; `answerLost`: the hub stores it, but the
    /// answer never reaches the device.
    public mutating func post(
        device: Int, deviceID: String, to hub: String, sequences: [Int], answerLost: Bool, at now: Int64
    ) -> HTTPResponse {
        counts.requests += 1
        if hub == oldHub, let forgets = forgetsDevicesAt, now >= forgets {
            counts.refusedUnknownDevice += 1
            return device % 2 == 0
                ? ServiceAnswers.deviceUnknown(hub: hub, deviceID: deviceID)
                : ServiceAnswers.deviceNotFound(deviceID: deviceID)
        }
        counts.accepted += 1
        for sequence in sequences {
            if deliveries[device].count <= sequence {
                deliveries[device].append(contentsOf: repeatElement(.none, count: sequence + 1 - deliveries[device].count))
            }
            switch deliveries[device][sequence] {
            case .none: counts.readingsStored += 1
            case .answerLost: counts.duplicatesAfterLostAnswer += 1
            case .acknowledged: counts.duplicatesUnexplained += 1
            }
            if deliveries[device][sequence] != .acknowledged {
                deliveries[device][sequence] = answerLost ? .answerLost : .acknowledged
            }
        }
        return ServiceAnswers.hubAccepted
    }

    /// Whether reading `sequence` of `device` was stored.
    public func stored(device: Int, sequence: Int) -> Bool {
        sequence < deliveries[device].count && deliveries[device][sequence] != .none
    }
}
