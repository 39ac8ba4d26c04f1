import Foundation

/// The device-facing routes faults can be aimed at.
public enum CloudRoute: String, Sendable, Equatable, CaseIterable {
    /// DPS `PUT …/register`
    case register
    /// DPS `GET …/operations/{operationId}`
    case operationStatus
    /// DPS `POST /{idScope}/registrations/{registrationId}`
    case registrationStatus
    /// Hub `POST /devices/{deviceId}/messages/events`
    case telemetry

    var isProvisioning: Bool { self != .telemetry }
}

/// A canned answer that replaces the service's own.
public struct ScriptedResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeaderField]
    /// `nil` gives an error status the service's real error body (DPS or hub shape) and other
    /// statuses an empty body.
    public var body: [UInt8]?
    public var delaySeconds: Double
    /// For a hub error without a body: the shape of the one rendered; `nil` uses the hub's
    /// (`serve --error-shape`), so one script can mix the shapes a real hub has sent.
    public var errorShape: HubErrorShape?

    public init(
        status: Int,
        headers: [HTTPHeaderField] = [],
        body: [UInt8]? = nil,
        delaySeconds: Double = 0,
        errorShape: HubErrorShape? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delaySeconds = delaySeconds
        self.errorShape = errorShape
    }
}

/// What happens to one request instead of (or on top of) its normal answer.
public enum FaultStep: Sendable, Equatable {
    /// Answer with this instead of running the service logic.
    case respond(ScriptedResponse)
    /// The real answer, this many seconds late.
    case delay(seconds: Double)
    /// Close the connection without processing the request.
    case closeBeforeResponding
    /// Process the request (a message is stored), then close instead of answering: the lost
    /// acknowledgement that makes a device retry and the backend see a duplicate.
    case closeAfterProcessing
    /// Send the real answer's head and half its body, then close; a bodiless answer (the hub's
    /// 204) stops halfway through its status line.
    case closeMidBody
    /// Never answer and never close; the client's own deadline must end it.
    case stall
    /// Answer with bytes that are not HTTP, then close.
    case garbage
    /// The real answer, `bytesPerWrite` bytes at a time with `intervalSeconds` between writes.
    case slowDrip(bytesPerWrite: Int, intervalSeconds: Double)
}

/// Faults for the next requests on one route: each matching request takes the next step.
public struct FaultScript: Sendable, Equatable {
    public var route: CloudRoute
    /// For telemetry: only this hub (by ``HubConfiguration/name``); `nil` means any hub. DPS
    /// routes have no hub, so it is ignored for them.
    public var hubName: String?
    /// Only requests for this registration ID (DPS) or device ID (hub); `nil` means any.
    public var subject: String?
    public var steps: [FaultStep]

    public init(route: CloudRoute, hubName: String? = nil, subject: String? = nil, steps: [FaultStep]) {
        self.route = route
        self.hubName = hubName
        self.subject = subject
        self.steps = steps
    }

    /// `count` answers of 429 with `Retry-After`, in the service's throttling error shape.
    public static func throttling(
        _ route: CloudRoute,
        count: Int,
        retryAfterSeconds: Int,
        hubName: String? = nil,
        subject: String? = nil
    ) -> FaultScript {
        let throttled = ScriptedResponse(
            status: 429,
            headers: [HTTPHeaderField(name: "Retry-After", value: String(retryAfterSeconds))]
        )
        return FaultScript(
            route: route,
            hubName: hubName,
            subject: subject,
            steps: Array(repeating: .respond(throttled), count: max(0, count))
        )
    }

    func matches(route: CloudRoute, hubName: String?, subject: String) -> Bool {
        guard self.route == route, !steps.isEmpty else { return false }
        if route == .telemetry, let wanted = self.hubName, wanted != hubName { return false }
        if let wanted = self.subject, !wanted.caseInsensitiveEquals(subject) { return false }
        return true
    }
}

/// Every pending fault: scripts consumed one step per matching request, and hub outages.
struct FaultBook: Sendable, Equatable {
    var scripts: [FaultScript] = []
    /// Until when each hub answers 503; the `nil` key means every hub.
    var outages: [String?: Date] = [:]

    /// Takes the next step of the first script that matches, in the order scripts were added.
    mutating func takeStep(route: CloudRoute, hubName: String?, subject: String) -> FaultStep? {
        guard let index = scripts.firstIndex(where: { $0.matches(route: route, hubName: hubName, subject: subject) })
        else { return nil }
        let step = scripts[index].steps.removeFirst()
        if scripts[index].steps.isEmpty {
            scripts.remove(at: index)
        }
        return step
    }

    func isInOutage(hubName: String, at now: Date) -> Bool {
        [outages[hubName], outages[nil]].contains { until in
            guard let until = until else { return false }
            return now < until
        }
    }

    var pendingStepCount: Int {
        scripts.reduce(0) { $0 + $1.steps.count }
    }
}
