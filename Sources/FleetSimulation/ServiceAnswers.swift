import HTTP1

/// The literal answers the simulated DPS and hub give, in the shapes the real services (and the
/// emulator) use: docs/azure-facts.md §1, §2, §7.
enum ServiceAnswers {
    static let retryAfterWhileAssigning = 3

    static func registrationAccepted(operationID: String) -> HTTPResponse {
        json(202, #"{"operationId":"\#(operationID)","status":"assigning"}"#, retryAfter: retryAfterWhileAssigning)
    }

    static func stillAssigning(operationID: String, registrationID: String) -> HTTPResponse {
        json(
            202,
            #"{"operationId":"\#(operationID)","status":"assigning","registrationState":{"registrationId":"\#(registrationID)","status":"assigning"}}"#,
            retryAfter: retryAfterWhileAssigning
        )
    }

    static func assigned(operationID: String, registrationID: String, hub: String, substatus: String) -> HTTPResponse {
        json(
            200,
            #"{"operationId":"\#(operationID)","status":"assigned","registrationState":{"registrationId":"\#(registrationID)","assignedHub":"\#(hub)","deviceId":"\#(registrationID)","status":"assigned","substatus":"\#(substatus)"}}"#
        )
    }

    /// DPS throttling: 429 / 429001 with `Retry-After`.
    static func throttled(retryAfterSeconds: Int) -> HTTPResponse {
        var response = json(
            429, #"{"errorCode":429001,"trackingId":"fleet","message":"Too many requests.","timestampUtc":"2027-01-15T08:00:00Z"}"#,
            retryAfter: retryAfterSeconds
        )
        response = HTTPResponse(
            status: response.status, headers: response.headers + [HTTPHeader("x-ms-error-code", "429001")],
            body: response.body
        )
        return response
    }

    static let hubAccepted = HTTPResponse(status: 204)

    /// "IotHub '…' does not contain the specified device '…'": 401 / 401003 (azure-facts §1).
    static func deviceUnknown(hub: String, deviceID: String) -> HTTPResponse {
        HTTPResponse(
            status: 401,
            headers: [HTTPHeader("iothub-errorcode", "IotHubUnauthorized")],
            body: Array(
                #"{"Message":"{\"errorCode\":401003,\"message\":\"IotHub '\#(hub)' does not contain the specified device '\#(deviceID)'\"}","ExceptionMessage":""}"#
                    .utf8)
        )
    }

    /// 404 / 404001 DeviceNotFound, the other answer a hub that lost the device may give.
    static func deviceNotFound(deviceID: String) -> HTTPResponse {
        HTTPResponse(
            status: 404,
            headers: [HTTPHeader("iothub-errorcode", "DeviceNotFound")],
            body: Array(
                #"{"Message":"{\"errorCode\":404001,\"message\":\"Device \#(deviceID) not found\"}","ExceptionMessage":""}"#.utf8)
        )
    }

    private static func json(_ status: Int, _ body: String, retryAfter: Int? = nil) -> HTTPResponse {
        var headers = [HTTPHeader("Content-Type", "application/json; charset=utf-8")]
        if let retryAfter { headers.append(HTTPHeader("Retry-After", String(retryAfter))) }
        return HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }
}
