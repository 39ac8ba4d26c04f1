@testable import AzureIoT
import HTTP1
import Wire

/// The `hub-refusal` target: `ServiceFailure(hubResponse:)`, which reads a hub's error answer
/// (both body shapes, the `iothub-errorcode` header and `HubErrorName`), and the retry decision
/// taken on it.
///
/// Input: byte 0 picks the status, byte 1 the attempt and whether a `Retry-After` is sent; a
/// length byte and that many bytes of `iothub-errorcode`; the rest is the body.
///
/// The refusal's words reach a log line, so the message, the tracking ID and the description
/// are one clean line; a header naming a known error always gives a code; the status is the
/// response's; the decision's wait stays within the policy's bounds.
enum HubRefusalTarget {
    static let statuses = [400, 401, 403, 404, 408, 412, 413, 429, 500, 503, 504, 403, 401, 400, 409, 502]

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let status = statuses[Int(input.byte() & 0x0F)]
        let control = input.byte()
        let errorName = input.field()
        var headers: [HTTPHeader] = []
        if !errorName.isEmpty { headers.append(HTTPHeader("iothub-errorcode", String(decoding: errorName, as: UTF8.self))) }
        let retryAfterSeconds: Int? = control & 0x80 != 0 ? Int(control & 0x3F) : nil
        if let retryAfterSeconds { headers.append(HTTPHeader("Retry-After", ASCII.decimalString(retryAfterSeconds))) }
        let response = HTTPResponse(status: status, headers: headers, body: input.rest())

        let failure = ServiceFailure(hubResponse: response)
        invariant(failure.httpStatus == status, "the refusal says HTTP \(failure.httpStatus), the response \(status)")
        invariant(failure.message.map(PrintableText.isClean) ?? true, "message \(Array(failure.message!.utf8)) is not clean text")
        invariant(failure.trackingID.map(PrintableText.isClean) ?? true, "tracking ID \(Array(failure.trackingID!.utf8)) is not clean text")
        invariant(isOneCleanLine(failure.description), "description \(Array(failure.description.utf8)) is not one clean line")
        if let headerBytes = response.headerBytes("iothub-errorcode"), HubErrorName.code(named: headerBytes) != nil {
            invariant(failure.errorCode != nil, "iothub-errorcode \(Array(headerBytes)) names a known error but no code was kept")
        }

        let policy = RetryPolicy.telemetry
        var random = SplitMix64(seed: UInt64(control))
        let attempt = Int(control & 0x07) + 1
        let decision = policy.decide(attempt: attempt, after: .status(status, errorCode: failure.errorCode),
                                     retryAfterSeconds: response.retryAfterSeconds, random: &random)
        if case .retry(let wait) = decision {
            let longest = max(policy.capMilliseconds, policy.retryAfterCapMilliseconds, policy.floorMilliseconds, policy.serverErrorFloorMilliseconds)
            invariant(wait >= policy.floorMilliseconds && wait <= longest, "a retry after \(wait) ms is outside \(policy.floorMilliseconds)...\(longest)")
        }
    }
}
