@testable import AzureIoT
import HTTP1
import Wire

/// The `dps-response` target: `ProvisioningResponse.interpret`, which reads every DPS answer.
///
/// Input: byte 0 picks the status; then a length byte and that many bytes of `x-ms-error-code`,
/// a length byte and that many of `Retry-After`; the rest is the body.
///
/// What DPS says becomes a host to connect to, a URL path and log lines, so: an assigned hub is
/// a host name that reads back the same; the device ID is 1 to 128 bytes of clean text; an
/// operation ID put in the next poll's URL decodes back whole (the request is not cut short);
/// every text kept and every failure's description is one clean line; a transient answer is
/// a 429 or 5xx; whitespace around a JSON body changes nothing.
enum DPSResponseTarget {
    static let statuses = [200, 202, 200, 202, 400, 401, 403, 404, 409, 412, 429, 500, 503, 204, 301, 999]

    static let settings = ProvisioningSettings(
        idScope: "0ne00111111",
        registrationID: try! RegistrationID(commonName: String(repeating: "d:", count: 63) + "01")
    )

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let status = statuses[Int(input.byte() & 0x0F)]
        var headers: [HTTPHeader] = []
        let errorCode = input.field()
        if !errorCode.isEmpty { headers.append(HTTPHeader("x-ms-error-code", String(decoding: errorCode, as: UTF8.self))) }
        let retryAfter = input.field()
        if !retryAfter.isEmpty { headers.append(HTTPHeader("Retry-After", String(decoding: retryAfter, as: UTF8.self))) }
        let body = input.rest()
        let response = HTTPResponse(status: status, headers: headers, body: body)

        let outcome: Result<ProvisioningResponse, ProvisioningResponseError>
        do { outcome = .success(try ProvisioningResponse.interpret(response)) } catch { outcome = .failure(error) }
        switch outcome {
        case .success(let answer): check(answer, status: status)
        case .failure(let error):
            invariant(isOneCleanLine(error.description), "the error \(Array(error.description.utf8)) is not one clean line")
        }
        if (try? JSONReader(body)) != nil {
            let padded = HTTPResponse(status: status, headers: headers, body: Array(" \r\n".utf8) + body + [0x20])
            let again: Result<ProvisioningResponse, ProvisioningResponseError>
            do { again = .success(try ProvisioningResponse.interpret(padded)) } catch { again = .failure(error) }
            switch (outcome, again) {
            case (.success(let one), .success(let other)): invariant(one == other, "whitespace around the body changed \(one) into \(other)")
            case (.failure, .failure): break
            default: invariant(false, "whitespace around the body changed \(outcome) into \(again)")
            }
        }
    }

    static func check(_ answer: ProvisioningResponse, status: Int) {
        switch answer {
        case .assigning(let operationID, let retryAfter):
            invariant(!operationID.isEmpty && PrintableText.isClean(operationID), "operation ID \(Array(operationID.utf8)) is empty or not clean text")
            invariant(retryAfter.map { $0 >= 0 } ?? true, "a negative Retry-After \(retryAfter!)")
            let target = ProvisioningRequests.operationStatus(settings, operationID: operationID).target
            invariant(operationIDInPath(target).map { $0 == utf8(operationID) } ?? false,
                      "the poll's URL \(target) does not carry the \(operationID.utf8.count)-byte operation ID whole")
        case .assigned(let assignment):
            let hub = assignment.hub
            invariant(Endpoint(hostName: hub.description) == hub, "assigned hub \(hub) does not read back as itself")
            invariant((1...128).contains(assignment.deviceID.utf8.count) && PrintableText.isClean(assignment.deviceID),
                      "device ID \(Array(assignment.deviceID.utf8)) is not 1 to 128 bytes of clean text")
            invariant(PrintableText.isClean(assignment.substatus), "substatus \(Array(assignment.substatus.utf8)) is not clean text")
            invariant(status < 400, "HTTP \(status) read as an assignment")
        case .failed(let failure):
            invariant(isOneCleanLine(failure.description), "failure \(Array(failure.description.utf8)) is not one clean line")
            invariant(failure.httpStatus == status, "failure says HTTP \(failure.httpStatus), the response \(status)")
        case .disabled:
            invariant(status < 400, "HTTP \(status) read as disabled")
        case .transient(let transientStatus, let retryAfter):
            invariant(transientStatus == 429 || transientStatus >= 500, "HTTP \(transientStatus) read as transient")
            invariant(retryAfter.map { $0 >= 0 } ?? true, "a negative Retry-After \(retryAfter!)")
        }
    }

    /// The percent-decoded segment after `/operations/`, up to the query.
    static func operationIDInPath(_ target: String) -> [UInt8]? {
        let bytes = utf8(target)
        let marker = utf8("/operations/")
        guard let start = (0...max(0, bytes.count - marker.count)).first(where: { bytes[$0...].starts(with: marker) }),
              bytes.count >= marker.count else { return nil }
        let segment = bytes[(start + marker.count)...].prefix { $0 != UInt8(ascii: "?") }
        guard bytes[(start + marker.count + segment.count)...].starts(with: utf8("?api-version=")) else { return nil }
        return PercentDecoding.decode(segment)
    }
}
