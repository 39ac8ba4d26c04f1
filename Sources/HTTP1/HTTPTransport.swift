/// Something that sends an HTTP request and returns the response: the seam between protocol
/// logic and the network, so the same drivers run over TLS sockets or a scripted fake.
public protocol HTTPTransport {
    associatedtype Failure: Error & CustomStringConvertible

    mutating func send<Request: HTTPRequestSource>(host: String, port: UInt16, _ request: Request) throws(Failure) -> HTTPResponse

    /// True when trying again later may succeed with nothing changed (a refused or dropped
    /// connection), false when a person has to fix something (an untrusted certificate).
    static func isTransient(_ failure: Failure) -> Bool
}
