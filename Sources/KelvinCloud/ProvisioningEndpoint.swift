import Foundation

/// The DPS device API: register, operation-status polls, and the registration status lookup
/// (protocol facts §1).
///
/// The client certificate selects the enrollment (``EnrollmentRegistry``), and its registration
/// ID must equal the path's, the body's and the certificate CN (case-insensitively, §4.1). Any
/// mismatch is 401 / 401002, which is what DPS answers; the log says which check failed.
struct ProvisioningEndpoint: Sendable {
    var idScope: String
    var retryAfterSeconds: Int
    var assigningPollsBeforeAssigned: Int
    /// Answer PUT register with the terminal 200 at once instead of 202 + polling.
    var answersRegisterImmediately: Bool
    var pollLimit: RateLimit
    var registrationLimit = RateLimit.registrationsPerInstance
    var linkedHubs: [LinkedHub]
    /// Accept a body that is not labelled `application/json` (`serve --lenient`).
    var lenient = false

    func respond(
        to request: CloudRequest,
        ledger: inout CloudLedger,
        at now: Date,
        using generator: inout some RandomNumberGenerator
    ) -> EndpointReply {
        let target = RequestTarget(request.target)
        switch ProvisioningRoute.match(method: request.method, pathSegments: target.pathSegments) {
        case .notFound:
            let failure = ProvisioningFailure(status: 404, errorCode: 404000, message: "Resource not found.")
            return EndpointReply(
                failure.response(at: now, using: &generator),
                log: ["dps: 404 for \(request.method) \(request.target)"]
            )
        case .methodNotAllowed(let allowed):
            var response = ProvisioningFailure(status: 405, errorCode: 405000, message: "Method not allowed.")
                .response(at: now, using: &generator)
            response.headers.append(HTTPHeaderField(name: "Allow", value: allowed))
            return EndpointReply(response, log: ["dps: 405 for \(request.method) \(request.target)"])
        case .matched(let route):
            var exchange = Exchange(request: request, now: now)
            do throws(Rejection) {
                try checkCommonRequirements(target, route.idScope, route.registrationID)
                switch route {
                case .register(let scope, let registrationID):
                    return try register(&exchange, scope, registrationID, &ledger, &generator)
                case .operationStatus(_, let registrationID, let operationID):
                    return try operationStatus(&exchange, registrationID, operationID, &ledger, &generator)
                case .registrationStatus(_, let registrationID):
                    return try registrationStatus(&exchange, registrationID, &ledger, &generator)
                }
            } catch {
                var response = error.failure.response(at: now, using: &generator)
                response.headers.append(contentsOf: error.extraHeaders)
                return EndpointReply(
                    response,
                    log: [
                        "dps: refused \(route.faultRoute.rawValue) for \(route.registrationID): "
                            + "\(error.failure.status)/\(error.failure.errorCode) \(error.failure.message) (\(error.reason))"
                    ]
                )
            }
        }
    }

    /// The request being answered, and the log lines it produces.
    private struct Exchange {
        var request: CloudRequest
        var now: Date
        var log: [String] = []
    }

    /// Why a request failed: what the client is told, and the detail only the log shows, since
    /// DPS itself never explains which check failed.
    struct Rejection: Error {
        var failure: ProvisioningFailure
        var reason: String
        var extraHeaders: [HTTPHeaderField] = []

        /// 429 / 429001 with `Retry-After`, as DPS throttles.
        static func throttled(_ retryAfterSeconds: Int, _ reason: String) -> Rejection {
            Rejection(
                failure: ProvisioningFailure(status: 429, errorCode: 429001, message: "Too many requests."),
                reason: reason,
                extraHeaders: [HTTPHeaderField(name: "Retry-After", value: String(retryAfterSeconds))]
            )
        }
    }

    private func register(
        _ exchange: inout Exchange,
        _ scope: String,
        _ registrationID: String,
        _ ledger: inout CloudLedger,
        _ generator: inout some RandomNumberGenerator
    ) throws(Rejection) -> EndpointReply {
        let attestation = try authorizeWithBody(exchange, registrationID, ledger)
        try admitRegistration(&ledger, at: exchange.now)

        guard attestation.allocation.isEnabled else {
            let disabled = JSONValue.object([
                ("operationId", .string("")),
                ("status", .string("disabled")),
                (
                    "registrationState",
                    .object([
                        ("registrationId", .string(attestation.registrationID)),
                        ("status", .string("disabled")),
                    ])
                ),
            ])
            return EndpointReply(
                .json(status: 200, disabled, headers: commonHeaders(&generator), framing: .chunked),
                log: ["dps: \(attestation.registrationID) refused: \(attestation.enrollmentName) is disabled"]
            )
        }

        let previous = ledger.registrations[attestation.registrationID.lowercased()]
        var operation = ProvisioningOperation(
            operationID: ServiceIdentifier.operationID(using: &generator),
            registrationID: attestation.registrationID,
            deviceID: attestation.deviceID,
            groupID: attestation.groupID,
            outcome: outcome(for: attestation, previous: previous, ledger: ledger, at: exchange.now),
            createdAt: previous?.createdAt ?? exchange.now,
            etag: ServiceIdentifier.etag(using: &generator)
        )
        exchange.log.append("dps: \(attestation.registrationID) registering through \(attestation.enrollmentName)")

        if answersRegisterImmediately {
            let record = complete(&operation, &ledger, &exchange)
            ledger.operations[operation.operationID] = operation
            return EndpointReply(terminalResponse(operation, record, &generator), log: exchange.log)
        }
        ledger.operations[operation.operationID] = operation
        let accepted = JSONValue.object([
            ("operationId", .string(operation.operationID)),
            ("status", .string("assigning")),
        ])
        let location = "https://\(exchange.request.authority)/\(scope)/registrations/\(registrationID)/register"
        let response = CloudResponse.json(
            status: 202,
            accepted,
            headers: [
                HTTPHeaderField(name: "Location", value: location),
                HTTPHeaderField(name: "Retry-After", value: String(retryAfterSeconds)),
            ] + commonHeaders(&generator),
            framing: .chunked
        )
        return EndpointReply(response, log: exchange.log)
    }

    private func operationStatus(
        _ exchange: inout Exchange,
        _ registrationID: String,
        _ operationID: String,
        _ ledger: inout CloudLedger,
        _ generator: inout some RandomNumberGenerator
    ) throws(Rejection) -> EndpointReply {
        let attestation = try authorize(exchange, registrationID, bodyRegistrationID: nil, ledger)
        guard var operation = ledger.operations[operationID],
            operation.registrationID.caseInsensitiveEquals(attestation.registrationID)
        else {
            throw Rejection(
                failure: .notFound("Operation not found."),
                reason: "no operation \(operationID) for \(attestation.registrationID)"
            )
        }
        try admitPoll(for: attestation.registrationID, &ledger, at: exchange.now)

        operation.pollsAnswered += 1
        if operation.completedAt == nil && operation.pollsAnswered <= assigningPollsBeforeAssigned {
            ledger.operations[operationID] = operation
            let body = JSONValue.object([
                ("operationId", .string(operationID)),
                ("status", .string("assigning")),
                (
                    "registrationState",
                    .object([
                        ("registrationId", .string(operation.registrationID)),
                        ("status", .string("assigning")),
                    ])
                ),
            ])
            let response = CloudResponse.json(
                status: 202,
                body,
                headers: [HTTPHeaderField(name: "Retry-After", value: String(retryAfterSeconds))]
                    + commonHeaders(&generator),
                framing: .chunked
            )
            exchange.log.append("dps: \(operation.registrationID) still assigning (poll \(operation.pollsAnswered))")
            return EndpointReply(response, log: exchange.log)
        }

        let record = complete(&operation, &ledger, &exchange)
        ledger.operations[operationID] = operation
        return EndpointReply(terminalResponse(operation, record, &generator), log: exchange.log)
    }

    private func registrationStatus(
        _ exchange: inout Exchange,
        _ registrationID: String,
        _ ledger: inout CloudLedger,
        _ generator: inout some RandomNumberGenerator
    ) throws(Rejection) -> EndpointReply {
        let attestation = try authorizeWithBody(exchange, registrationID, ledger)
        try admitRegistration(&ledger, at: exchange.now)
        guard let record = ledger.registrations[attestation.registrationID.lowercased()] else {
            throw Rejection(
                failure: .notFound("Registration not found."),
                reason: "\(attestation.registrationID) has never completed a registration"
            )
        }
        let response = CloudResponse.json(
            status: 200,
            registrationState(record),
            headers: commonHeaders(&generator),
            framing: .chunked
        )
        return EndpointReply(response, log: ["dps: \(record.registrationID) looked up its registration"])
    }

    /// Enforces "5 polls per 10 s per device" (protocol facts §1.10) with a sliding window; only
    /// answered polls count, so a device that honours `Retry-After` is never throttled twice.
    private func admitPoll(for registrationID: String, _ ledger: inout CloudLedger, at now: Date) throws(Rejection) {
        let key = registrationID.lowercased()
        var window = ledger.recentPolls[key] ?? RateWindow()
        let wait = window.admit(at: now, maximum: pollLimit.maximumRequests, seconds: pollLimit.windowSeconds)
        ledger.recentPolls[key] = window
        if let wait {
            throw .throttled(wait, "more than \(pollLimit.maximumRequests) polls in \(Int(pollLimit.windowSeconds)) s")
        }
    }

    /// Enforces the instance's "device registrations per minute" (protocol facts §1.10: 1,000 per
    /// service unit), which register and the registration status lookup both count against
    /// (docs/azure-facts.md §7). A fleet that re-registers at once meets it.
    private func admitRegistration(_ ledger: inout CloudLedger, at now: Date) throws(Rejection) {
        let limit = registrationLimit
        if let wait = ledger.recentRegistrations.admit(at: now, maximum: limit.maximumRequests, seconds: limit.windowSeconds) {
            throw .throttled(wait, "more than \(limit.maximumRequests) registrations in \(Int(limit.windowSeconds)) s on this instance")
        }
    }

    /// Decides, at register time, where the device goes (protocol facts §6): sticky to its current
    /// hub while the enrollment still allows it, otherwise the least-loaded allowed hub with the
    /// substatus the reprovisioning policy implies.
    private func outcome(
        for attestation: Attestation,
        previous: RegistrationRecord?,
        ledger: CloudLedger,
        at now: Date
    ) -> ProvisioningOperation.Outcome {
        let allocation = attestation.allocation
        if let failure = allocation.allocationFailure {
            return .fail(failure)
        }
        let allowed = allocation.hubNames.isEmpty
            ? linkedHubs : linkedHubs.filter { allocation.hubNames.contains($0.name) }
        guard let leastLoaded = allowed.min(by: { ledger.deviceCount(onHub: $0.name) < ledger.deviceCount(onHub: $1.name) })
        else {
            return .fail(AllocationFailure(errorCode: 400208, errorMessage: "No linked IoT hub is available for this enrollment."))
        }

        let hub: LinkedHub
        let substatus: String
        if let previous, previous.status == .assigned,
            let current = linkedHubs.first(where: { $0.name == previous.hubName }),
            ledger.device(registeredAs: previous.registrationID) != nil
        {
            if allocation.reprovisionPolicy == .never || allowed.contains(current) {
                hub = current
                substatus = previous.substatus ?? "initialAssignment"
            } else {
                hub = leastLoaded
                if hub.name == previous.initialHubName {
                    substatus = "reprovisionedToInitialAssignment"
                } else {
                    substatus = allocation.reprovisionPolicy == .resetData ? "deviceDataReset" : "deviceDataMigrated"
                }
            }
        } else {
            hub = leastLoaded
            substatus = previous?.initialHubName.map { $0 == hub.name ? "initialAssignment" : "deviceDataMigrated" }
                ?? "initialAssignment"
        }
        let device = ProvisionedDevice(
            registrationID: attestation.registrationID,
            deviceID: attestation.deviceID,
            thumbprint: attestation.thumbprint,
            hubName: hub.name,
            assignedHub: hub.address,
            createdAt: previous?.createdAt ?? now,
            lastAssignedAt: now
        )
        return .assign(device, substatus: substatus)
    }

    /// Reveals the operation's outcome: records it with DPS and, for an assignment, in the hub's
    /// registry (removing the device from the hub it leaves). Idempotent for repeated polls.
    private func complete(
        _ operation: inout ProvisioningOperation,
        _ ledger: inout CloudLedger,
        _ exchange: inout Exchange
    ) -> RegistrationRecord {
        let key = operation.registrationID.lowercased()
        if operation.completedAt != nil, let record = ledger.registrations[key], record.etag == operation.etag {
            return record
        }
        operation.completedAt = exchange.now
        let previous = ledger.registrations[key]
        var record = RegistrationRecord(
            registrationID: operation.registrationID,
            deviceID: operation.deviceID,
            status: .failed,
            initialHubName: previous?.initialHubName,
            groupID: operation.groupID,
            createdAt: operation.createdAt,
            lastUpdatedAt: exchange.now,
            etag: operation.etag
        )
        switch operation.outcome {
        case .assign(var device, let substatus):
            device.lastAssignedAt = exchange.now
            record.status = .assigned
            record.hubName = device.hubName
            record.assignedHub = device.assignedHub
            record.substatus = substatus
            record.initialHubName = previous?.initialHubName ?? device.hubName
            if let moved = ledger.device(registeredAs: device.registrationID), moved.hubName != device.hubName {
                exchange.log.append("hub \(moved.hubName): device \(moved.deviceID) removed (moved to \(device.hubName))")
            }
            ledger.devices.removeAll {
                $0.registrationID.caseInsensitiveEquals(device.registrationID) && $0.deviceID != device.deviceID
            }
            ledger.recordAssignment(device)
            exchange.log.append(
                "dps: \(device.registrationID) assigned to \(device.hubName) (\(device.assignedHub)) "
                    + "as device \(device.deviceID), \(substatus)"
            )
        case .fail(let failure):
            record.failure = failure
            record.hubName = previous?.hubName
            record.assignedHub = previous?.assignedHub
            exchange.log.append(
                "dps: \(operation.registrationID) failed: \(failure.errorCode) \(failure.errorMessage)"
            )
        }
        ledger.registrations[key] = record
        return record
    }

    private func terminalResponse(
        _ operation: ProvisioningOperation,
        _ record: RegistrationRecord,
        _ generator: inout some RandomNumberGenerator
    ) -> CloudResponse {
        let body = JSONValue.object([
            ("operationId", .string(operation.operationID)),
            ("status", .string(record.status.rawValue)),
            ("registrationState", registrationState(record)),
        ])
        return .json(status: 200, body, headers: commonHeaders(&generator), framing: .chunked)
    }

    /// `DeviceRegistrationResult`, fields in the order the real service writes them (§1.4).
    private func registrationState(_ record: RegistrationRecord) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("x509", .object(record.groupID.map { [("enrollmentGroupId", JSONValue.string($0))] } ?? [])),
            ("registrationId", .string(record.registrationID)),
            ("createdDateTimeUtc", .string(WireTime.azureTimestamp(record.createdAt))),
        ]
        switch record.status {
        case .assigned:
            fields += [
                ("assignedHub", .string(record.assignedHub ?? "")),
                ("deviceId", .string(record.deviceID)),
                ("status", .string("assigned")),
                ("substatus", .string(record.substatus ?? "initialAssignment")),
            ]
        case .failed:
            fields += [
                ("status", .string("failed")),
                ("errorCode", .integer(record.failure?.errorCode ?? 0)),
                ("errorMessage", .string(record.failure?.errorMessage ?? "")),
            ]
        }
        fields += [
            ("lastUpdatedDateTimeUtc", .string(WireTime.azureTimestamp(record.lastUpdatedAt))),
            ("etag", .string(record.etag)),
        ]
        return .object(fields)
    }

    /// Checks shared by every DPS route, in the order that reports the most basic mistake first.
    private func checkCommonRequirements(
        _ target: RequestTarget,
        _ scope: String,
        _ registrationID: String
    ) throws(Rejection) {
        guard let apiVersion = target.queryValue("api-version"), !apiVersion.isEmpty else {
            throw Rejection(
                failure: .badRequest("The api-version query parameter is required."),
                reason: "no api-version in the query"
            )
        }
        guard SupportedAPIVersions.provisioning.contains(apiVersion) else {
            throw Rejection(
                failure: ProvisioningFailure(
                    status: 400,
                    errorCode: 400001,
                    message: "The api-version '\(apiVersion)' is not supported."
                ),
                reason: "supported: \(SupportedAPIVersions.provisioning.sorted().joined(separator: ", "))"
            )
        }
        guard scope.caseInsensitiveEquals(idScope) else {
            throw Rejection(
                failure: .notFound("Not found."),
                reason: "ID scope \(scope) is not this service's \(idScope)"
            )
        }
        guard RegistrationID.isValid(registrationID) else {
            throw Rejection(
                failure: .badRequest("Invalid RegistrationId."),
                reason: "registration ID '\(registrationID)' breaks the DPS naming rules"
            )
        }
    }

    /// DPS answers 415 to a body that is not `application/json` (protocol-facts.md §1.6,
    /// docs/azure-facts.md §5). Parameters such as `charset=utf-8`, which the C, C# and Node SDKs
    /// add, are allowed; a bodiless request is not checked.
    private func checkMediaType(_ request: CloudRequest) throws(Rejection) {
        guard !lenient, !request.body.isEmpty else { return }
        let contentType = request.headers.value(named: "Content-Type") ?? ""
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        guard mediaType.trimmingCharacters(in: .whitespaces).lowercased() != "application/json" else { return }
        throw Rejection(
            failure: ProvisioningFailure(
                status: 415,
                errorCode: 415000,
                message: "Unsupported media type: the body must be application/json."
            ),
            reason: contentType.isEmpty ? "no Content-Type on a body" : "Content-Type \(contentType)"
        )
    }

    /// Authorizes a request whose body is a `DeviceRegistration` (register and status lookup).
    private func authorizeWithBody(
        _ exchange: Exchange,
        _ pathRegistrationID: String,
        _ ledger: CloudLedger
    ) throws(Rejection) -> Attestation {
        try checkMediaType(exchange.request)
        let body = try DeviceRegistrationBody(exchange.request.body)
        return try authorize(exchange, pathRegistrationID, bodyRegistrationID: body.registrationID, ledger)
    }

    /// - Parameter bodyRegistrationID: `nil` for bodiless requests; otherwise what the body said
    ///   (`.some(nil)` when it had no `registrationId`).
    private func authorize(
        _ exchange: Exchange,
        _ pathRegistrationID: String,
        bodyRegistrationID: String??,
        _ ledger: CloudLedger
    ) throws(Rejection) -> Attestation {
        func reject(_ reason: String) -> Rejection {
            Rejection(failure: .invalidCertificate, reason: reason)
        }
        guard let certificate = exchange.request.clientCertificate else {
            throw reject("no client certificate")
        }
        let attestation: Attestation
        switch ledger.enrollments.attest(leaf: certificate, chain: exchange.request.clientChain, at: exchange.now) {
        case .success(let found):
            attestation = found
        case .failure(let rejection):
            throw reject(rejection.reason)
        }
        let presented = "certificate \(certificate.thumbprint) CN=\(certificate.commonName ?? "(none)")"
        guard attestation.registrationID.caseInsensitiveEquals(pathRegistrationID) else {
            throw reject("\(presented) is enrolled as \(attestation.registrationID), not \(pathRegistrationID)")
        }
        if let bodyValue = bodyRegistrationID {
            guard let bodyValue, bodyValue.caseInsensitiveEquals(pathRegistrationID) else {
                throw reject(
                    "body registrationId \(bodyValue ?? "(missing)") differs from the path's \(pathRegistrationID)"
                )
            }
        }
        guard let commonName = certificate.commonName, commonName.caseInsensitiveEquals(attestation.registrationID)
        else {
            throw reject("\(presented): the CN must equal the registration ID \(attestation.registrationID)")
        }
        return attestation
    }

    private func commonHeaders(_ generator: inout some RandomNumberGenerator) -> [HTTPHeaderField] {
        [
            HTTPHeaderField(name: "x-ms-request-id", value: ServiceIdentifier.uuid(using: &generator)),
            HTTPHeaderField(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains"),
        ]
    }
}

/// The `DeviceRegistration` request body (protocol facts §1.3).
private struct DeviceRegistrationBody {
    /// `.some(nil)` when the object has no `registrationId`.
    var registrationID: String??

    init(_ body: [UInt8]) throws(ProvisioningEndpoint.Rejection) {
        guard let document = try? JSONSerialization.jsonObject(with: Data(body)),
            let object = document as? [String: Any]
        else {
            throw ProvisioningEndpoint.Rejection(
                failure: .badRequest("Invalid request body."),
                reason: "body is not a JSON object: \(String(decoding: body.prefix(120), as: UTF8.self))"
            )
        }
        if let payload = object["payload"], !(payload is [String: Any]) {
            throw ProvisioningEndpoint.Rejection(
                failure: .badRequest("Invalid request body."),
                reason: "payload must be a JSON object"
            )
        }
        registrationID = .some(object["registrationId"] as? String)
    }
}
