import HTTP1
import Wire

extension ServiceFailure {
    /// Reads a hub's refusal (protocol-facts.md §3.2): the body is `{"Message": …,
    /// "ExceptionMessage": …}`, where `Message` may itself hold JSON with the six-digit code, and
    /// the `iothub-errorcode` header names the error. What to do about it is `RetryPolicy`'s call.
    ///
    /// When the body has no number — the older shape, `{"Message":"ErrorCode:IotHubQuotaExceeded;…"}`,
    /// or no JSON at all — the code comes from the `iothub-errorcode` header, else from the name
    /// in `Message` (``HubErrorName``; docs/azure-facts.md §1), so that the retry policy sees a
    /// quota as a quota in either shape.
    ///
    /// A refusal is a refusal whatever its words: text that is not UTF-8 without control
    /// characters is kept escaped (``PrintableText``), never as it came, since it reaches a log
    /// line.
    public init(hubResponse response: HTTPResponse) {
        self.init(httpStatus: response.status, errorCode: nil, message: response.header("iothub-errorcode").map(PrintableText.escaped), trackingID: nil)
        defer {
            if errorCode == nil { errorCode = Self.codeFromName(response) }
        }
        guard let reader = try? JSONReader(response.body), let message = Self.text(reader, ["Message"]) else { return }
        if let inner = try? JSONReader(Array(message.utf8)) {
            errorCode = try? inner.integer(at: ["errorCode"])
            trackingID = Self.text(inner, ["trackingId"])
            if let text = Self.text(inner, ["message"]) { self.message = text }
        } else {
            self.message = message
        }
    }

    /// The code the header names, else the one the older body's `ErrorCode:<Name>` names.
    private static func codeFromName(_ response: HTTPResponse) -> Int? {
        if let name = response.headerBytes("iothub-errorcode"), let code = HubErrorName.code(named: name) { return code }
        guard let reader = try? JSONReader(response.body), let message = text(reader, ["Message"]),
              let name = HubErrorName.name(inLegacyMessage: message) else { return nil }
        return HubErrorName.code(named: name)
    }

    /// The string at `path`, escaped when it is not printable text; nil when absent or not a string.
    private static func text(_ reader: JSONReader, _ path: [StaticString]) -> String? {
        do {
            return try reader.text(at: path)
        } catch {
            guard case .unprintable(_, let escaped) = error else { return nil }
            return escaped
        }
    }
}
