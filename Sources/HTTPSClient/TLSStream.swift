import COpenSSL
import HTTP1
import Platform

/// What a TLS call did: moved `count` bytes (0 for a finished handshake; 0 from a read is the
/// peer's close), or could not go on until the socket is readable or writable.
enum TLSProgress: Equatable {
    case done(count: Int)
    case blocked(forWriting: Bool)
}

/// One TLS connection over a connected non-blocking socket. No call waits: each does what the
/// socket allows now and says what it is blocked on, for the caller's event loop to wait for.
final class TLSStream {
    let host: String
    /// The socket, owned by the stream and closed with it.
    let socket: FileDescriptor
    private let handle: OpaquePointer

    /// Takes `socket` (connected, or tunnelled through a proxy) for a TLS client that sends SNI,
    /// verifies the server certificate names `host`, and offers `session` for resumption.
    /// - Throws: `.tls(.contextUnavailable)` when OpenSSL cannot make the stream; the socket is
    ///   closed then.
    init(context: TLSContext, socket: FileDescriptor, host: String, resuming session: TLSSession?) throws(HTTPSError) {
        guard let handle = copenssl_stream_new(context.handle, socket.rawValue, host, session?.handle) else {
            socket.close()
            throw .tls(.contextUnavailable)
        }
        self.host = host
        self.socket = socket
        self.handle = handle
    }

    deinit {
        copenssl_stream_shutdown(handle)
        copenssl_stream_free(handle)
        socket.close()
    }

    /// True when the handshake resumed an earlier session instead of a full exchange.
    var resumedSession: Bool { copenssl_stream_session_reused(handle) == 1 }

    /// The newest session the server offered on this connection, for the next one to resume.
    func takeSession() -> TLSSession? {
        copenssl_stream_take_session(handle).map(TLSSession.init)
    }

    /// Goes on with the handshake: `.done` once it is complete.
    /// - Throws: `.tls` with the case that names what the server or OpenSSL refused.
    func handshake() throws(HTTPSError) -> TLSProgress {
        let rc = copenssl_stream_handshake(handle)
        switch rc {
        case 0: return .done(count: 0)
        case COPENSSL_WANT_READ.rawValue: return .blocked(forWriting: false)
        case COPENSSL_WANT_WRITE.rawValue: return .blocked(forWriting: true)
        default: throw .tls(handshakeFailure())
        }
    }

    private func handshakeFailure() -> TLSError {
        let verifyResult = copenssl_stream_verify_result(handle)
        let reason = takeErrorText()
        if verifyResult != 0 {
            switch verifyResult {
            case COPENSSL_VERIFY_NOT_YET_VALID: return .serverCertificateNotYetValid(host: host)
            case COPENSSL_VERIFY_EXPIRED: return .serverCertificateExpired(host: host)
            case COPENSSL_VERIFY_HOSTNAME_MISMATCH: return .hostnameMismatch(host: host)
            default:
                let text = copenssl_verify_result_text(verifyResult).map { String(cString: $0) } ?? "verify error \(verifyResult)"
                return .untrustedServer(host: host, reason: text)
            }
        }
        if let reason {
            if Self.mentionsClientCertificate(reason) { return .clientCertificateRejected(host: host, reason: reason) }
            return .handshakeFailed(host: host, reason: reason)
        }
        let osError = copenssl_stream_os_error(handle)
        if osError != 0 { return .handshakeInterrupted(host: host, reason: Errno(rawValue: osError).description) }
        return .handshakeInterrupted(host: host, reason: "the server closed the connection")
    }

    /// Reads what is available now; `.done(count: 0)` when the peer closed.
    /// - Throws: `.io`, or `.tls(.clientCertificateRejected)` for a TLS 1.3 server's late refusal.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPSError) -> TLSProgress {
        let rc = copenssl_stream_read(handle, buffer.baseAddress, Int32(clamping: buffer.count))
        if rc > 0 { return .done(count: Int(rc)) }
        switch rc {
        case COPENSSL_CLOSED.rawValue: return .done(count: 0)
        case COPENSSL_WANT_READ.rawValue: return .blocked(forWriting: false)
        case COPENSSL_WANT_WRITE.rawValue: return .blocked(forWriting: true)
        default: throw ioFailure()
        }
    }

    /// Writes what the connection takes now of `bytes` (at least one byte when `.done`).
    /// - Throws: `.connectionClosed` when the peer closed, `.io` otherwise.
    func write(_ bytes: UnsafeRawBufferPointer) throws(HTTPSError) -> TLSProgress {
        let rc = copenssl_stream_write(handle, bytes.baseAddress, Int32(clamping: bytes.count))
        if rc > 0 { return .done(count: Int(rc)) }
        switch rc {
        case COPENSSL_CLOSED.rawValue: throw .connectionClosed(host: host)
        case COPENSSL_WANT_READ.rawValue: return .blocked(forWriting: false)
        case COPENSSL_WANT_WRITE.rawValue: return .blocked(forWriting: true)
        default: throw ioFailure()
        }
    }

    private func ioFailure() -> HTTPSError {
        // TLS 1.3 servers judge the client certificate after the handshake, so a rejection
        // arrives as an alert on the first read.
        if let reason = takeErrorText() {
            if Self.mentionsClientCertificate(reason) { return .tls(.clientCertificateRejected(host: host, reason: reason)) }
            return .io(host: host, reason: reason)
        }
        let osError = copenssl_stream_os_error(handle)
        return .io(host: host, reason: osError != 0 ? Errno(rawValue: osError).description : "TLS failure")
    }

    private func takeErrorText() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer { copenssl_take_error($0.baseAddress, $0.count) }
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// OpenSSL names the alerts a server sends about the client's certificate
    /// ("certificate required", "bad certificate", "unknown ca", "certificate unknown").
    static func mentionsClientCertificate(_ reason: String) -> Bool {
        let bytes = Array(reason.utf8)
        return contains(bytes, "alert") && (contains(bytes, "certificate") || contains(bytes, "unknown ca"))
    }

    private static func contains(_ bytes: [UInt8], _ needle: StaticString) -> Bool {
        needle.withUTF8Buffer { pattern in
            guard pattern.count <= bytes.count else { return false }
            for start in 0...(bytes.count - pattern.count) {
                var matched = true
                for index in 0..<pattern.count where bytes[start + index] != pattern[index] {
                    matched = false
                    break
                }
                if matched { return true }
            }
            return false
        }
    }
}
