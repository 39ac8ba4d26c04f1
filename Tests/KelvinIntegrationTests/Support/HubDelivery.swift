import AzureIoT
import HTTP1
import HTTPSClient

/// The hub answered, but did not take the message.
struct HubRefused: Error, CustomStringConvertible {
    let response: HTTPResponse
    var description: String { "the hub answered HTTP \(response.status): \(String(decoding: response.body, as: UTF8.self))" }
}

extension HTTPSClient {
    /// Sends `request` once and expects the hub to take it (2xx): the tests' one-shot delivery,
    /// where a retry would hide what is being tested.
    @discardableResult
    func deliver<Request: HTTPRequestSource>(_ request: Request, to hub: Endpoint) throws -> HTTPResponse {
        let response = try send(host: hub.host, port: hub.port, request)
        guard (200..<300).contains(response.status) else { throw HubRefused(response: response) }
        return response
    }
}
