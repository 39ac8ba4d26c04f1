import Foundation
import X509

/// One IoT hub's device-to-cloud telemetry API over HTTPS (protocol facts §3).
///
/// Devices authenticate by thumbprint: the leaf presented in the handshake must be the one DPS
/// recorded for the device ID in the path, in this hub's registry. The leaf must still be valid
/// now (a certificate can expire after provisioning), and a device provisioned through an
/// enrollment group must still present a chain to a verified CA that keeps the chain rules
/// (``CertificateChainVerifier``), as a hub's X.509 CA authentication asks. An unknown device, a
/// wrong certificate and each of these are 401 / 401003 at the real hub, so they are here too.
struct HubEndpoint: Sendable {
    /// 256 KB, the documented device-to-cloud message and batch limit.
    static let maximumMessageBytes = 256 * 1024

    var hubName: String
    /// The body every refusal takes (`serve --error-shape`).
    var errorShape: HubErrorShape = .new
    /// Accept a batch without `iothub-to` (`serve --lenient`), which the strict default refuses.
    var lenient = false

    func respond(
        to request: CloudRequest,
        ledger: inout CloudLedger,
        at now: Date,
        using generator: inout some RandomNumberGenerator
    ) -> EndpointReply {
        let target = RequestTarget(request.target)
        let deviceID: String
        switch HubRoute.match(method: request.method, pathSegments: target.pathSegments) {
        case .notFound:
            return EndpointReply(
                HubFailure.notFound.response(shape: errorShape, at: now, using: &generator),
                log: ["\(hubName): 404 for \(request.method) \(request.target)"]
            )
        case .methodNotAllowed(let allowed):
            var response = HubFailure(
                status: 405,
                errorCode: 405000,
                errorName: "MethodNotAllowed",
                message: "Method not allowed"
            )
            .response(shape: errorShape, at: now, using: &generator)
            response.headers.append(HTTPHeaderField(name: "Allow", value: allowed))
            return EndpointReply(response, log: ["\(hubName): 405 for \(request.method) \(request.target)"])
        case .matched(.sendEvent(let pathDeviceID)):
            deviceID = pathDeviceID
        }

        func reject(_ failure: HubFailure, _ reason: String) -> EndpointReply {
            EndpointReply(
                failure.response(shape: errorShape, at: now, using: &generator),
                log: [
                    "\(hubName): refused telemetry for \(deviceID): \(failure.status)/\(failure.errorCode) "
                        + "\(failure.errorName) (\(reason))"
                ]
            )
        }

        if ledger.faults.isInOutage(hubName: hubName, at: now) {
            return reject(.serviceUnavailable, "outage")
        }
        guard let apiVersion = target.queryValue("api-version"), !apiVersion.isEmpty else {
            return reject(
                .argumentInvalid("The api-version query parameter is required."),
                "no api-version in the query"
            )
        }
        guard SupportedAPIVersions.hub.contains(apiVersion) else {
            return reject(
                .argumentInvalid("The api-version '\(apiVersion)' is not supported."),
                "supported: \(SupportedAPIVersions.hub.sorted().joined(separator: ", "))"
            )
        }
        guard let certificate = request.clientCertificate else {
            return reject(.unauthorized, "no client certificate")
        }
        guard let device = ledger.device(withID: deviceID), device.hubName == hubName else {
            return reject(.unauthorized, "IotHub '\(hubName)' does not contain the specified device '\(deviceID)'")
        }
        guard device.thumbprint == certificate.thumbprint else {
            return reject(
                .unauthorized,
                "thumbprint does not match configuration: presented \(certificate.thumbprint), "
                    + "registered \(device.thumbprint)"
            )
        }
        if let problem = Self.credentialProblem(certificate, chain: request.clientChain, of: device, ledger, at: now) {
            return reject(.unauthorized, problem)
        }
        guard device.isEnabled else {
            return reject(.deviceDisabled, "device \(deviceID) is disabled")
        }
        guard !request.bodyExceededLimit, request.body.count <= Self.maximumMessageBytes else {
            return reject(.messageTooLarge, "body larger than \(Self.maximumMessageBytes) bytes")
        }

        if !lenient, Self.isBatch(request), let problem = Self.batchAddressingProblem(request, deviceID: deviceID) {
            return reject(.argumentInvalid(problem), problem)
        }

        let messages: [ReceivedTelemetry]
        do {
            messages = try Self.messages(in: request, deviceID: deviceID, hubName: hubName, at: now)
        } catch let error as MessagePropertyError {
            return reject(.argumentInvalid("Invalid property \(error.name)"), "\(error.name): \(error.rule)")
        } catch let error as TelemetryBatchError {
            return reject(.formatError("Invalid batch: \(error.reason)"), "batch: \(error.reason)")
        } catch {
            return reject(.argumentInvalid("Invalid message"), String(describing: error))
        }
        ledger.accept(messages)
        let response = CloudResponse(
            status: 204,
            headers: [
                HTTPHeaderField(name: "Vary", value: "Origin"),
                HTTPHeaderField(name: "Server", value: "Microsoft-HTTPAPI/2.0"),
                HTTPHeaderField(name: "x-ms-request-id", value: ServiceIdentifier.uuid(using: &generator)),
            ],
            framing: .contentLength
        )
        return EndpointReply(response, log: messages.map(Self.logLine(for:)))
    }

    /// Why the certificate that matched the registry no longer authenticates the device, or nil.
    static func credentialProblem(
        _ certificate: PresentedCertificate,
        chain: [Certificate],
        of device: ProvisionedDevice,
        _ ledger: CloudLedger,
        at now: Date
    ) -> String? {
        guard let leaf = certificate.certificate else { return nil }
        if let failure = CertificateChainVerifier.validityFailure(leaf, at: now) {
            return "the device certificate is no longer valid: \(failure)"
        }
        guard ledger.registrations[device.registrationID.lowercased()]?.groupID != nil else { return nil }
        let presented = chain.isEmpty ? [leaf] : chain
        if case .failure(let failure) = CertificateChainVerifier.verify(
            presented: presented,
            authorities: ledger.enrollments.certificateAuthorities,
            at: now
        ) {
            return "the CA-signed device's chain no longer verifies: \(failure)"
        }
        return nil
    }

    static func isBatch(_ request: CloudRequest) -> Bool {
        (request.headers.value(named: "Content-Type") ?? "").lowercased().hasPrefix(TelemetryBatch.contentType)
    }

    /// Why a batch's `iothub-to` is not this device's events path, or nil when it is. The C,
    /// Node and C# SDKs all send it on batches (docs/azure-facts.md §3); a client that does
    /// not is not one Azure is known to take batches from.
    static func batchAddressingProblem(_ request: CloudRequest, deviceID: String) -> String? {
        guard let to = request.headers.value(named: "iothub-to") else {
            return "The iothub-to header is required on batch requests: iothub-to: /devices/\(deviceID)/messages/events"
        }
        // Compared decoded, as the path is: SDKs percent-encode the device ID in both.
        guard !to.contains("?"), RequestTarget(to).pathSegments == ["devices", deviceID, "messages", "events"] else {
            return "The iothub-to header '\(to)' does not name /devices/\(deviceID)/messages/events"
        }
        return nil
    }

    /// One message, or one per batch element when the content type says batch.
    private static func messages(
        in request: CloudRequest,
        deviceID: String,
        hubName: String,
        at now: Date
    ) throws -> [ReceivedTelemetry] {
        guard isBatch(request) else {
            return [
                ReceivedTelemetry(
                    deviceID: deviceID,
                    hubName: hubName,
                    bodyBytes: request.body,
                    headers: request.headers,
                    properties: try MessageProperties(fields: request.headers),
                    isBatched: false,
                    receivedAt: now
                )
            ]
        }
        return try TelemetryBatch.parse(request.body).map { element in
            ReceivedTelemetry(
                deviceID: deviceID,
                hubName: hubName,
                bodyBytes: element.body,
                headers: element.properties,
                properties: try MessageProperties(fields: element.properties),
                isBatched: true,
                receivedAt: now
            )
        }
    }

    /// `telemetry my-device: {"temperature": 21.50} (content-type application/json, message-id 42)`
    static func logLine(for message: ReceivedTelemetry) -> String {
        let longestShownBody = 300
        var body = message.body
        if message.bodyBytes.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D })
            || !message.body.utf8.elementsEqual(message.bodyBytes)
        {
            body = "<\(message.bodyBytes.count) bytes of binary>"
        } else if body.count > longestShownBody {
            body = String(body.prefix(longestShownBody)) + "… (\(message.bodyBytes.count) bytes)"
        }
        body = body.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: "")

        var details: [String] = []
        let system = message.properties.system
        if let contentType = system.value(named: "iothub-contenttype") ?? message.headers.value(named: "Content-Type") {
            details.append("content-type \(contentType)")
        }
        if let encoding = system.value(named: "iothub-contentencoding") {
            details.append("content-encoding \(encoding)")
        }
        if let messageID = message.messageID {
            details.append("message-id \(messageID)")
        }
        if message.isBatched {
            details.append("batched")
        }
        for property in message.applicationProperties {
            details.append("\(property.name)=\(property.value)")
        }
        let suffix = details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"
        return "telemetry \(message.deviceID): \(body)\(suffix)"
    }
}
