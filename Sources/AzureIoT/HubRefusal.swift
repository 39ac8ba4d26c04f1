import HTTP1
import Wire

extension ServiceFailure {
    /// Reads a hub's refusal (protocol-facts.md §3.2): the body is `{"Message": …,
    /// "ExceptionMessage": …}`, where `Message` may itself hold JSON with the six-digit code, and
    /// the `iothub-errorcode` header names the error. What to do about it is `RetryPolicy`'s call.
    public init(hubResponse response: HTTPResponse) {
        self.init(httpStatus: response.status, errorCode: nil, message: response.header("iothub-errorcode"), trackingID: nil)
        guard let reader = try? JSONReader(response.body), let message = try? reader.string(at: ["Message"]) else { return }
        if let inner = try? JSONReader(Array(message.utf8)) {
            errorCode = try? inner.integer(at: ["errorCode"])
            trackingID = try? inner.string(at: ["trackingId"])
            if let text = try? inner.string(at: ["message"]) { self.message = text }
        } else {
            self.message = message
        }
    }
}
