import Foundation

/// The IoT Hub device-to-cloud telemetry API over HTTPS (protocol facts §3).
///
/// Devices authenticate by thumbprint only: the leaf presented in the handshake must be the one
/// DPS recorded for the device ID in the path. An unknown device and a wrong certificate are both
/// 401 / 401003 at the real hub, so they are here too.
struct HubEndpoint: Sendable {
    /// 256 KB, the documented device-to-cloud message limit.
    static let maximumMessageBytes = 256 * 1024

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
                HubFailure.notFound.response(at: now, using: &generator),
                log: ["hub: 404 for \(request.method) \(request.target)"]
            )
        case .methodNotAllowed(let allowed):
            var response = HubFailure(
                status: 405,
                errorCode: 405000,
                errorName: "MethodNotAllowed",
                message: "Method not allowed"
            )
            .response(at: now, using: &generator)
            response.headers.append(HTTPHeaderField(name: "Allow", value: allowed))
            return EndpointReply(response, log: ["hub: 405 for \(request.method) \(request.target)"])
        case .matched(.sendEvent(let pathDeviceID)):
            deviceID = pathDeviceID
        }

        func reject(_ failure: HubFailure, _ reason: String) -> EndpointReply {
            EndpointReply(
                failure.response(at: now, using: &generator),
                log: [
                    "hub: rejected telemetry for \(deviceID): \(failure.status)/\(failure.errorCode) "
                        + "\(failure.errorName) (\(reason))"
                ]
            )
        }

        guard let apiVersion = target.queryValue("api-version"), !apiVersion.isEmpty else {
            return reject(
                .argumentInvalid("The api-version query parameter is required."),
                "no api-version in the query"
            )
        }
        guard let certificate = request.clientCertificate else {
            return reject(.unauthorized, "no client certificate")
        }
        guard let device = ledger.device(withID: deviceID) else {
            return reject(.unauthorized, "device \(deviceID) has not been provisioned")
        }
        guard device.thumbprint == certificate.thumbprint else {
            return reject(
                .unauthorized,
                "certificate \(certificate.thumbprint) does not match the provisioned \(device.thumbprint)"
            )
        }
        guard !request.bodyExceededLimit, request.body.count <= Self.maximumMessageBytes else {
            return reject(.messageTooLarge, "body larger than \(Self.maximumMessageBytes) bytes")
        }

        let message = ReceivedTelemetry(
            deviceID: deviceID,
            bodyBytes: request.body,
            headers: request.headers,
            receivedAt: now
        )
        ledger.telemetry.append(message)
        let response = CloudResponse(
            status: 204,
            headers: [
                HTTPHeaderField(name: "Vary", value: "Origin"),
                HTTPHeaderField(name: "Server", value: "Microsoft-HTTPAPI/2.0"),
                HTTPHeaderField(name: "x-ms-request-id", value: ServiceIdentifier.uuid(using: &generator)),
            ],
            framing: .contentLength
        )
        return EndpointReply(response, log: [Self.logLine(for: message)])
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
        let headers = message.headers
        if let contentType = headers.value(named: "iothub-contenttype") ?? headers.value(named: "Content-Type") {
            details.append("content-type \(contentType)")
        }
        if let encoding = headers.value(named: "iothub-contentencoding") {
            details.append("content-encoding \(encoding)")
        }
        if let messageID = headers.value(named: "iothub-messageid") {
            details.append("message-id \(messageID)")
        }
        for property in message.applicationProperties {
            details.append("\(property.name)=\(property.value)")
        }
        let suffix = details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"
        return "telemetry \(message.deviceID): \(body)\(suffix)"
    }
}
