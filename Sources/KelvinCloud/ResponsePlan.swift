/// How a listener delivers (or fails to deliver) the answer to one request.
enum ResponsePlan {
    /// The response, after `delaySeconds`.
    case respond(CloudResponse, delaySeconds: Double)
    /// Close the connection without a response.
    case close
    /// Never answer; the connection stays open until the client gives up.
    case stall
    /// Non-HTTP bytes, then close.
    case garbage
    /// The head and half the body (half the status line when there is no body), then close.
    case cutMidBody(CloudResponse)
    /// The response `bytesPerWrite` bytes at a time, `intervalSeconds` apart.
    case drip(CloudResponse, bytesPerWrite: Int, intervalSeconds: Double)
}
