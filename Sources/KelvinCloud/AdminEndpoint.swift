import Foundation
import NIOCore

/// The loopback-only admin API: what scripts and the `kelvin-cloud` binary use to change
/// enrollments, inject faults and read what the hubs received. JSON in, JSON out.
///
/// Routes: see ``routes``.
struct AdminEndpoint: Sendable {
    var linkedHubs: [LinkedHub]
    var hubTLS: HubTLSPersonalities
    var connections: OpenConnections

    /// Every route, all under `/admin`; a request that matches none is answered with this list.
    static let routes =
        "GET|DELETE messages (GET messages?deviceId=D&after=N), GET devices, POST devices/{id}/enable|disable, "
        + "GET registrations, DELETE registrations/{id}, GET enrollments, "
        + "PUT|DELETE enrollments/{registrationId}, POST enrollments/{registrationId}/enable|disable, "
        + "PUT|DELETE groups/{groupId}, POST groups/{groupId}/enable|disable, "
        + "PUT|DELETE certificate-authorities/{name}, POST certificate-authorities/{name}/verify, "
        + "GET|POST|DELETE faults, GET exchanges, POST throttle, POST outage, "
        + "GET hubs, POST hubs/{name}/tls, POST hubs/{name}/disconnect"

    private struct Failure: Error {
        var status: Int
        var message: String

        static func noRoute(_ method: String, _ path: [String]) -> Failure {
            Failure(
                status: 404,
                message: "no admin route \(method) /\(path.joined(separator: "/")); routes under /admin: \(AdminEndpoint.routes); "
                    + "the desk page: GET /"
            )
        }
    }

    func respond(
        to request: CloudRequest,
        ledger: inout CloudLedger,
        at now: Date,
        using generator: inout some RandomNumberGenerator
    ) -> EndpointReply {
        let target = RequestTarget(request.target)
        let path = target.pathSegments
        do throws(Failure) {
            if let problem = AdminRequestOrigin.problem(headers: request.headers, authority: request.authority) {
                throw Failure(status: 403, message: problem)
            }
            if request.method == "GET", path.isEmpty {
                return EndpointReply(DeskPage.response)
            }
            guard path.first == "admin", path.count >= 2 else {
                throw Failure.noRoute(request.method, path)
            }
            let (document, change) = try route(request, Array(path.dropFirst()), target, &ledger, now)
            let log = change.map { ["admin: \($0)"] } ?? []
            return EndpointReply(.json(status: 200, document, framing: .contentLength), log: log)
        } catch {
            let body = JSONValue.object([("error", .string(error.message))])
            return EndpointReply(
                .json(status: error.status, body, framing: .contentLength),
                log: ["admin: \(request.method) \(target.pathSegments.joined(separator: "/")) refused: \(error.message)"]
            )
        }
    }

    /// The answer, and a description of the change for the log when the request changed anything.
    private func route(
        _ request: CloudRequest,
        _ path: [String],
        _ target: RequestTarget,
        _ ledger: inout CloudLedger,
        _ now: Date
    ) throws(Failure) -> (JSONValue, String?) {
        let method = request.method
        switch (method, path.count, path[0]) {
        case ("GET", 1, "messages"):
            var after: Int?
            if let text = target.queryValue("after") {
                guard let value = Int(text), value >= 0 else {
                    throw Failure(status: 400, message: "after must be a sequence number (0 or more), not '\(text)'")
                }
                after = value
            }
            return (messages(ledger, deviceID: target.queryValue("deviceId"), after: after), nil)
        case ("DELETE", 1, "messages"):
            let count = ledger.telemetry.count
            ledger.telemetry.removeAll()
            return (.object([("deleted", .integer(count))]), "cleared \(count) messages")
        case ("GET", 1, "devices"):
            return (.array(ledger.devices.map(render)), nil)
        case ("POST", 3, "devices") where ["enable", "disable"].contains(path[2]):
            guard let index = ledger.devices.firstIndex(where: { $0.deviceID == path[1] }) else {
                throw Failure(status: 404, message: "no device \(path[1]) in any hub")
            }
            ledger.devices[index].isEnabled = path[2] == "enable"
            return (render(ledger.devices[index]), "device \(path[1]) \(path[2])d")
        case ("GET", 1, "registrations"):
            return (.array(ledger.registrations.values.sorted { $0.registrationID < $1.registrationID }.map(render)), nil)
        case ("DELETE", 2, "registrations"):
            guard ledger.deleteRegistration(path[1]) else {
                throw Failure(status: 404, message: "no registration \(path[1])")
            }
            return (.object([("deleted", .string(path[1]))]), "registration \(path[1]) and its hub device deleted")
        case ("GET", 1, "enrollments"):
            return (enrollments(ledger.enrollments), nil)
        case ("GET", 1, "faults"):
            return (faults(ledger.faults, at: now), nil)
        case ("GET", 1, "exchanges"):
            return (exchanges(ledger.exchanges), nil)
        case ("DELETE", 1, "faults"):
            ledger.faults = FaultBook()
            let restored = hubTLS.restoreAll(closing: connections).hubs
            let tlsNote = restored.isEmpty ? "" : "; TLS back to normal on \(restored.joined(separator: ", "))"
            return (.object([("cleared", .bool(true))]), "faults and outages cleared\(tlsNote)")
        case ("GET", 1, "hubs"):
            return (.array(linkedHubs.map(render)), nil)
        case ("POST", 3, "hubs") where path[2] == "tls":
            let mode = try parse { () throws(JSONFieldError) in
                let fields = try JSONFields(parsing: request.body, context: "TLS mode")
                try fields.rejectUnknown(allowed: ["mode"])
                let name = try fields.requiredString("mode")
                guard let mode = HubTLSMode(rawValue: name) else {
                    throw JSONFieldError(
                        "TLS mode: \"mode\" must be one of \(HubTLSMode.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                return mode
            }
            let switched: (previous: HubTLSMode, closing: [Channel])
            do {
                switched = try hubTLS.switchHub(path[1], to: mode, closing: connections, at: now)
            } catch {
                if case .unknownHub = error { throw Failure(status: 404, message: error.description) }
                throw Failure(status: 409, message: error.description)
            }
            return (
                .object([
                    ("hub", .string(path[1])),
                    ("tls", .string(mode.rawValue)),
                    ("previous", .string(switched.previous.rawValue)),
                    ("closedConnections", .integer(switched.closing.count)),
                ]),
                "hub \(path[1]) TLS \(mode.rawValue) (was \(switched.previous.rawValue); "
                    + "\(switched.closing.count) connections closed)"
            )
        case ("POST", 3, "hubs") where path[2] == "disconnect":
            guard hubNames.contains(path[1]) else {
                throw Failure(status: 404, message: HubTLSModeError.unknownHub(path[1], known: hubNames).description)
            }
            let closed = connections.closeAll(service: path[1]).count
            return (
                .object([("hub", .string(path[1])), ("closedConnections", .integer(closed))]),
                "hub \(path[1]): \(closed) connections closed"
            )
        case ("POST", 1, "faults"):
            let script = try parse { () throws(JSONFieldError) in
                try FaultJSON.script(JSONFields(parsing: request.body, context: "fault script"), knownHubs: hubNames)
            }
            ledger.faults.scripts.append(script)
            return (.object([("pendingSteps", .integer(ledger.faults.pendingStepCount))]), "\(script.steps.count) fault steps queued for \(script.route.rawValue)")
        case ("POST", 1, "throttle"):
            let script = try parse { () throws(JSONFieldError) in
                try FaultJSON.throttling(JSONFields(parsing: request.body, context: "throttle"), knownHubs: hubNames)
            }
            ledger.faults.scripts.append(script)
            return (.object([("pendingSteps", .integer(ledger.faults.pendingStepCount))]), "\(script.steps.count) throttled answers queued for \(script.route.rawValue)")
        case ("POST", 1, "outage"):
            let (hub, seconds) = try parse { () throws(JSONFieldError) -> (String?, Double) in
                let fields = try JSONFields(parsing: request.body, context: "outage")
                try fields.rejectUnknown(allowed: ["hub", "seconds"])
                return (try FaultJSON.hub(fields, knownHubs: hubNames), try fields.number("seconds", in: 0...86_400) ?? 60)
            }
            ledger.faults.outages[hub] = now.addingTimeInterval(seconds)
            return (.object([("until", .string(WireTime.azureTimestamp(now.addingTimeInterval(seconds))))]), "outage of \(hub ?? "every hub") for \(seconds) s")
        default:
            return try changeEnrollments(method, path, request.body, &ledger)
        }
    }

    private func changeEnrollments(
        _ method: String,
        _ path: [String],
        _ body: [UInt8],
        _ ledger: inout CloudLedger
    ) throws(Failure) -> (JSONValue, String?) {
        var registry = ledger.enrollments
        let description: String
        switch (method, path.count, path[0]) {
        case ("PUT", 2, "enrollments"):
            let enrollment = try parse { () throws(JSONFieldError) in
                try EnrollmentJSON.individualEnrollment(
                    JSONFields(parsing: body, context: "enrollment \"\(path[1])\""),
                    registrationID: path[1],
                    relativeTo: nil
                )
            }
            try checkHubs(enrollment.allocation)
            registry.individualEnrollments.removeAll { $0.registrationID.caseInsensitiveEquals(path[1]) }
            registry.individualEnrollments.append(enrollment)
            description = "individual enrollment \(path[1]) set"
        case ("PUT", 2, "groups"):
            let group = try parse { () throws(JSONFieldError) in
                try EnrollmentJSON.group(
                    JSONFields(parsing: body, context: "group \"\(path[1])\""),
                    groupID: path[1],
                    knownAuthorities: registry.certificateAuthorities
                )
            }
            try checkHubs(group.allocation)
            registry.groups.removeAll { $0.groupID == path[1] }
            registry.groups.append(group)
            description = "enrollment group \(path[1]) set"
        case ("PUT", 2, "certificate-authorities"):
            let authority = try parse { () throws(JSONFieldError) in
                try EnrollmentJSON.certificateAuthority(
                    JSONFields(parsing: body, context: "certificate authority \"\(path[1])\""),
                    name: path[1],
                    relativeTo: nil
                )
            }
            registry.certificateAuthorities.removeAll { $0.name == path[1] }
            registry.certificateAuthorities.append(authority)
            description = "CA \(path[1]) uploaded, \(authority.isVerified ? "verified" : "not verified")"
        case ("POST", 3, "certificate-authorities") where path[2] == "verify":
            guard let index = registry.certificateAuthorities.firstIndex(where: { $0.name == path[1] }) else {
                throw Failure(status: 404, message: "no certificate authority \(path[1])")
            }
            registry.certificateAuthorities[index].isVerified = true
            description = "CA \(path[1]) verified"
        case ("DELETE", 2, "enrollments"):
            try remove(&registry.individualEnrollments, "enrollment", path[1]) { $0.registrationID.caseInsensitiveEquals(path[1]) }
            description = "individual enrollment \(path[1]) deleted"
        case ("DELETE", 2, "groups"):
            try remove(&registry.groups, "group", path[1]) { $0.groupID == path[1] }
            description = "enrollment group \(path[1]) deleted"
        case ("DELETE", 2, "certificate-authorities"):
            if let group = registry.groups.first(where: { $0.certificateAuthorityName == path[1] }) {
                throw Failure(status: 409, message: "enrollment group \(group.groupID) uses CA \(path[1]); delete the group first")
            }
            try remove(&registry.certificateAuthorities, "certificate authority", path[1]) { $0.name == path[1] }
            description = "CA \(path[1]) deleted"
        case ("POST", 3, "enrollments") where ["enable", "disable"].contains(path[2]):
            guard let index = registry.individualEnrollments.firstIndex(where: { $0.registrationID.caseInsensitiveEquals(path[1]) })
            else { throw Failure(status: 404, message: "no individual enrollment \(path[1])") }
            registry.individualEnrollments[index].isEnabled = path[2] == "enable"
            description = "individual enrollment \(path[1]) \(path[2])d"
        case ("POST", 3, "groups") where ["enable", "disable"].contains(path[2]):
            guard let index = registry.groups.firstIndex(where: { $0.groupID == path[1] }) else {
                throw Failure(status: 404, message: "no enrollment group \(path[1])")
            }
            registry.groups[index].isEnabled = path[2] == "enable"
            description = "enrollment group \(path[1]) \(path[2])d"
        default:
            throw Failure.noRoute(method, ["admin"] + path)
        }
        ledger.enrollments = registry
        return (enrollments(registry), description)
    }

    private var hubNames: [String] { linkedHubs.map(\.name) }

    private func checkHubs(_ allocation: AllocationSettings) throws(Failure) {
        if let unknown = allocation.hubNames.first(where: { !hubNames.contains($0) }) {
            throw Failure(status: 400, message: "no hub named \"\(unknown)\" (hubs: \(hubNames.joined(separator: ", ")))")
        }
    }

    private func parse<Value>(_ body: () throws(JSONFieldError) -> Value) throws(Failure) -> Value {
        do {
            return try body()
        } catch {
            throw Failure(status: 400, message: error.message)
        }
    }

    private func remove<Element>(
        _ elements: inout [Element],
        _ kind: String,
        _ name: String,
        where matches: (Element) -> Bool
    ) throws(Failure) {
        guard elements.contains(where: matches) else { throw Failure(status: 404, message: "no \(kind) \(name)") }
        elements.removeAll(where: matches)
    }

    // MARK: - Rendering

    /// `after` is a reader's cursor: `latestSequence` is what it passes next time, so it sees each
    /// message once however the polls fall between arrivals.
    private func messages(_ ledger: CloudLedger, deviceID: String?, after: Int?) -> JSONValue {
        let selected = ledger.telemetry.filter {
            (deviceID == nil || $0.deviceID == deviceID) && $0.sequence > (after ?? 0)
        }
        return .object([
            ("count", .integer(selected.count)),
            ("duplicates", .integer(ledger.duplicateMessageCount)),
            ("latestSequence", .integer(ledger.latestTelemetrySequence)),
            ("messages", .array(selected.map(render))),
        ])
    }

    private func render(_ message: ReceivedTelemetry) -> JSONValue {
        let isText = message.body.utf8.elementsEqual(message.bodyBytes)
        return .object([
            ("hub", .string(message.hubName)),
            ("deviceId", .string(message.deviceID)),
            ("messageId", message.messageID.map(JSONValue.string) ?? .null),
            ("body", isText ? .string(message.body) : .null),
            ("bodyBase64", .string(Data(message.bodyBytes).base64EncodedString())),
            ("systemProperties", .object(message.properties.system.map { ($0.name, JSONValue.string($0.value)) })),
            ("properties", .object(message.properties.application.map { ($0.name, JSONValue.string($0.value)) })),
            ("batched", .bool(message.isBatched)),
            ("receivedAt", .string(WireTime.azureTimestamp(message.receivedAt))),
            ("sequence", .integer(message.sequence)),
        ])
    }

    private func render(_ hub: LinkedHub) -> JSONValue {
        .object([
            ("name", .string(hub.name)),
            ("assignedHub", .string(hub.address)),
            ("port", .integer(hub.port)),
            ("tls", .string(hubTLS.mode(ofHub: hub.name).rawValue)),
            ("openConnections", .integer(connections.count(service: hub.name))),
        ])
    }

    private func render(_ device: ProvisionedDevice) -> JSONValue {
        .object([
            ("hub", .string(device.hubName)),
            ("deviceId", .string(device.deviceID)),
            ("registrationId", .string(device.registrationID)),
            ("assignedHub", .string(device.assignedHub)),
            ("thumbprint", .string(device.thumbprint.hex)),
            ("enabled", .bool(device.isEnabled)),
        ])
    }

    private func render(_ record: RegistrationRecord) -> JSONValue {
        .object([
            ("registrationId", .string(record.registrationID)),
            ("deviceId", .string(record.deviceID)),
            ("status", .string(record.status.rawValue)),
            ("hub", record.hubName.map(JSONValue.string) ?? .null),
            ("assignedHub", record.assignedHub.map(JSONValue.string) ?? .null),
            ("substatus", record.substatus.map(JSONValue.string) ?? .null),
            ("errorCode", record.failure.map { JSONValue.integer($0.errorCode) } ?? .null),
            ("enrollmentGroupId", record.groupID.map(JSONValue.string) ?? .null),
            ("lastUpdatedDateTimeUtc", .string(WireTime.azureTimestamp(record.lastUpdatedAt))),
        ])
    }

    private func faults(_ book: FaultBook, at now: Date) -> JSONValue {
        let outages = book.outages.filter { $0.value > now }.sorted { ($0.key ?? "") < ($1.key ?? "") }
        return .object([
            ("pendingSteps", .integer(book.pendingStepCount)),
            (
                "outages",
                .array(outages.map { hub, until in
                    .object([
                        ("hub", hub.map(JSONValue.string) ?? .null),
                        ("until", .string(WireTime.azureTimestamp(until))),
                    ])
                })
            ),
        ])
    }

    private func exchanges(_ book: ExchangeBook) -> JSONValue {
        .object([
            (
                "routes",
                .array(book.tallies.map { tally in
                    .object([
                        ("service", .string(tally.service)),
                        ("route", .string(tally.route)),
                        ("answered", .integer(tally.answered)),
                        ("refused", .integer(tally.refused)),
                        ("throttled", .integer(tally.throttled)),
                    ])
                })
            ),
            (
                "recentRefusals",
                .array(book.recentRefusals.reversed().map { refusal in
                    .object([
                        ("at", .string(WireTime.azureTimestamp(refusal.at))),
                        ("service", .string(refusal.service)),
                        ("route", .string(refusal.route)),
                        ("subject", refusal.subject.map(JSONValue.string) ?? .null),
                        ("status", refusal.status.map(JSONValue.integer) ?? .null),
                        ("errorCode", refusal.errorCode.map(JSONValue.string) ?? .null),
                        ("outcome", .string(refusal.outcome)),
                    ])
                })
            ),
        ])
    }

    private func enrollments(_ registry: EnrollmentRegistry) -> JSONValue {
        .object([
            ("individualEnrollments", .array(registry.individualEnrollments.map(EnrollmentJSON.render))),
            ("enrollmentGroups", .array(registry.groups.map(EnrollmentJSON.render))),
            ("certificateAuthorities", .array(registry.certificateAuthorities.map(EnrollmentJSON.render))),
        ])
    }
}

extension AdminEndpoint: CloudEndpoint {
    func faultTarget(of request: CloudRequest) -> FaultTarget? { nil }
}
