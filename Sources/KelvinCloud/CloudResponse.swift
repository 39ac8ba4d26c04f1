/// One HTTP response from the service logic, with its framing chosen explicitly.
///
/// Framing is part of the emulated behaviour (DPS answers chunked, the hub's 204 carries
/// `Content-Length: 0`), so it is not left to NIO's defaults.
struct CloudResponse {
    enum Framing: Equatable {
        case contentLength
        case chunked
    }

    var status: Int
    var headers: [HTTPHeaderField]
    var body: [UInt8]
    var framing: Framing

    init(status: Int, headers: [HTTPHeaderField] = [], body: [UInt8] = [], framing: Framing = .contentLength) {
        self.status = status
        self.headers = headers
        self.body = body
        self.framing = framing
    }

    static func json(
        status: Int,
        _ document: JSONValue,
        headers: [HTTPHeaderField] = [],
        framing: Framing
    ) -> CloudResponse {
        CloudResponse(
            status: status,
            headers: [HTTPHeaderField(name: "Content-Type", value: "application/json; charset=utf-8")] + headers,
            body: Array(document.serialized.utf8),
            framing: framing
        )
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A response plus the log lines describing what happened, emitted after the state lock is
/// released so a log sink may safely call back into the server.
struct EndpointReply {
    var response: CloudResponse
    var logLines: [String]

    init(_ response: CloudResponse, log logLines: [String] = []) {
        self.response = response
        self.logLines = logLines
    }
}
