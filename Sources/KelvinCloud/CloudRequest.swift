import X509

/// One complete HTTP request as the service logic sees it: no NIO types, so the DPS and hub logic
/// can be exercised without sockets.
struct CloudRequest {
    var method: String
    /// The raw request target, e.g. `/0ne00000001/registrations/dev/register?api-version=2021-06-01`.
    var target: String
    var headers: [HTTPHeaderField]
    var body: [UInt8]
    /// True when the client sent more than the listener buffers; `body` then holds only a prefix.
    var bodyExceededLimit: Bool
    /// The leaf certificate the client presented in the TLS handshake.
    var clientCertificate: PresentedCertificate?
    /// Every certificate the client sent, leaf first (intermediates follow for CA-signed devices).
    var clientChain: [Certificate]
    /// `Host` header, or the listener's own address when the client sent none; used for `Location`.
    var authority: String

    init(
        method: String,
        target: String,
        headers: [HTTPHeaderField] = [],
        body: [UInt8] = [],
        bodyExceededLimit: Bool = false,
        clientCertificate: PresentedCertificate?,
        clientChain: [Certificate] = [],
        authority: String = "localhost"
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.bodyExceededLimit = bodyExceededLimit
        self.clientCertificate = clientCertificate
        self.clientChain = clientChain
        self.authority = authority
    }
}
