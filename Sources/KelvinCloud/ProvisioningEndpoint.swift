import Foundation

/// The DPS device API: register, then operation-status polls until "assigned" (protocol facts §1).
///
/// Authorization follows individual X.509 enrollments: the presented leaf's thumbprint selects the
/// enrollment, and its registration ID must equal the path's, the body's and the certificate CN
/// (case-insensitively, §4.1). Any mismatch is 401 / 401002, which is what DPS answers.
struct ProvisioningEndpoint: Sendable {
    var idScope: String
    var enrollments: [Enrollment]
    var retryAfterSeconds: Int
    var assigningPollsBeforeAssigned: Int
    /// The `assignedHub` value, `host[:port]`.
    var assignedHub: String

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
            do throws(Rejection) {
                switch route {
                case .register(let scope, let pathRegistrationID):
                    return try register(request, target, scope, pathRegistrationID, &ledger, now, &generator)
                case .operationStatus(let scope, let pathRegistrationID, let operationID):
                    return try operationStatus(
                        request,
                        target,
                        scope,
                        pathRegistrationID,
                        operationID,
                        &ledger,
                        now,
                        &generator
                    )
                }
            } catch {
                let failure = error.failure
                return EndpointReply(
                    failure.response(at: now, using: &generator),
                    log: [
                        "dps: rejected \(request.method) for \(route.registrationID): "
                            + "\(failure.status)/\(failure.errorCode) \(failure.message) (\(error.reason))"
                    ]
                )
            }
        }
    }

    /// What the request body says about the registration ID; only register has a body.
    private enum BodyRegistrationID {
        case notApplicable
        /// The body's `registrationId`, `nil` when the body lacks one.
        case stated(String?)
    }

    /// Why a request failed: what the client is told, and the detail only the log shows, since
    /// DPS itself never explains which check failed.
    struct Rejection: Error {
        var failure: ProvisioningFailure
        var reason: String
    }

    private func register(
        _ request: CloudRequest,
        _ target: RequestTarget,
        _ scope: String,
        _ registrationID: String,
        _ ledger: inout CloudLedger,
        _ now: Date,
        _ generator: inout some RandomNumberGenerator
    ) throws(Rejection) -> EndpointReply {
        try checkCommonRequirements(target, scope, registrationID)
        let bodyRegistrationID = try registrationIDInBody(request.body)
        let enrollment = try authorize(
            request.clientCertificate,
            registrationID,
            bodyRegistrationID: .stated(bodyRegistrationID)
        )

        let operationID = ServiceIdentifier.operationID(using: &generator)
        let previous = ledger.device(registeredAs: enrollment.registrationID)
        ledger.operations[operationID] = ProvisioningOperation(
            operationID: operationID,
            registrationID: enrollment.registrationID,
            deviceID: enrollment.deviceID,
            thumbprint: enrollment.thumbprint,
            createdAt: previous?.createdAt ?? now,
            etag: ServiceIdentifier.etag(using: &generator)
        )
        let body = JSONValue.object([
            ("operationId", .string(operationID)),
            ("status", .string("assigning")),
        ])
        let location = "https://\(request.authority)/\(scope)/registrations/\(registrationID)/register"
        let response = CloudResponse.json(
            status: 202,
            body,
            headers: [
                HTTPHeaderField(name: "Location", value: location),
                HTTPHeaderField(name: "Retry-After", value: String(retryAfterSeconds)),
            ] + commonHeaders(&generator),
            framing: .chunked
        )
        return EndpointReply(response, log: ["dps: \(enrollment.registrationID) registering"])
    }

    private func operationStatus(
        _ request: CloudRequest,
        _ target: RequestTarget,
        _ scope: String,
        _ registrationID: String,
        _ operationID: String,
        _ ledger: inout CloudLedger,
        _ now: Date,
        _ generator: inout some RandomNumberGenerator
    ) throws(Rejection) -> EndpointReply {
        try checkCommonRequirements(target, scope, registrationID)
        let enrollment = try authorize(request.clientCertificate, registrationID, bodyRegistrationID: .notApplicable)
        guard var operation = ledger.operations[operationID],
            operation.registrationID.caseInsensitiveEquals(enrollment.registrationID)
        else {
            throw Rejection(
                failure: .notFound("Operation not found."),
                reason: "no operation \(operationID) for \(enrollment.registrationID)"
            )
        }

        operation.pollsAnswered += 1
        var log: [String] = []
        if operation.assignedAt == nil && operation.pollsAnswered <= assigningPollsBeforeAssigned {
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
            log.append("dps: \(operation.registrationID) still assigning (poll \(operation.pollsAnswered))")
            return EndpointReply(response, log: log)
        }

        if operation.assignedAt == nil {
            operation.assignedAt = now
            ledger.recordAssignment(
                ProvisionedDevice(
                    registrationID: operation.registrationID,
                    deviceID: operation.deviceID,
                    thumbprint: operation.thumbprint,
                    assignedHub: assignedHub,
                    createdAt: operation.createdAt,
                    lastAssignedAt: now
                )
            )
            log.append("dps: \(operation.registrationID) assigned to \(assignedHub) as device \(operation.deviceID)")
        }
        ledger.operations[operationID] = operation
        let assignedAt = operation.assignedAt ?? now
        let body = JSONValue.object([
            ("operationId", .string(operationID)),
            ("status", .string("assigned")),
            (
                "registrationState",
                .object([
                    ("x509", .object([])),
                    ("registrationId", .string(operation.registrationID)),
                    ("createdDateTimeUtc", .string(WireTime.azureTimestamp(operation.createdAt))),
                    ("assignedHub", .string(assignedHub)),
                    ("deviceId", .string(operation.deviceID)),
                    ("status", .string("assigned")),
                    ("substatus", .string("initialAssignment")),
                    ("lastUpdatedDateTimeUtc", .string(WireTime.azureTimestamp(assignedAt))),
                    ("etag", .string(operation.etag)),
                ])
            ),
        ])
        return EndpointReply(.json(status: 200, body, headers: commonHeaders(&generator), framing: .chunked), log: log)
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

    /// The body's `registrationId`, or `nil` when the (valid JSON) body has none.
    private func registrationIDInBody(_ body: [UInt8]) throws(Rejection) -> String? {
        guard let document = try? JSONSerialization.jsonObject(with: Data(body)),
            let object = document as? [String: Any]
        else {
            throw Rejection(
                failure: .badRequest("Invalid request body."),
                reason: "body is not a JSON object: \(String(decoding: body.prefix(120), as: UTF8.self))"
            )
        }
        return object["registrationId"] as? String
    }

    private func authorize(
        _ certificate: PresentedCertificate?,
        _ pathRegistrationID: String,
        bodyRegistrationID: BodyRegistrationID
    ) throws(Rejection) -> Enrollment {
        func reject(_ reason: String) -> Rejection {
            Rejection(failure: .invalidCertificate, reason: reason)
        }
        guard let certificate else {
            throw reject("no client certificate")
        }
        let presented = "certificate \(certificate.thumbprint) CN=\(certificate.commonName ?? "(none)")"
        guard let enrollment = enrollments.first(where: { $0.thumbprint == certificate.thumbprint }) else {
            throw reject("\(presented) is not enrolled")
        }
        guard enrollment.registrationID.caseInsensitiveEquals(pathRegistrationID) else {
            throw reject("\(presented) is enrolled as \(enrollment.registrationID), not \(pathRegistrationID)")
        }
        if case .stated(let bodyValue) = bodyRegistrationID {
            guard let bodyValue, bodyValue.caseInsensitiveEquals(pathRegistrationID) else {
                throw reject(
                    "body registrationId \(bodyValue ?? "(missing)") differs from the path's \(pathRegistrationID)"
                )
            }
        }
        guard let commonName = certificate.commonName, commonName.caseInsensitiveEquals(enrollment.registrationID)
        else {
            throw reject("\(presented): the CN must equal the registration ID \(enrollment.registrationID)")
        }
        return enrollment
    }

    private func commonHeaders(_ generator: inout some RandomNumberGenerator) -> [HTTPHeaderField] {
        [
            HTTPHeaderField(name: "x-ms-request-id", value: ServiceIdentifier.uuid(using: &generator)),
            HTTPHeaderField(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains"),
        ]
    }
}
