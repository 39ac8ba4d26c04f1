import COpenSSL
import HTTP1
import Platform

/// One TLS connection over a non-blocking socket; every operation takes a deadline.
final class TLSStream {
    let host: String
    private let socket: FileDescriptor
    private let handle: OpaquePointer
    private let context: TLSContext

    /// Connects (through `proxy` when there is one), sends SNI and verifies the server
    /// certificate names `host`, offering `session` for resumption when there is one.
    init(
        context: TLSContext,
        host: String,
        port: UInt16,
        proxy: HTTPProxy? = nil,
        connectTimeoutMilliseconds: Int64,
        resuming session: TLSSession?
    ) throws(HTTPSError) {
        let deadline = Deadline(afterMilliseconds: connectTimeoutMilliseconds)
        let socket = try ProxyTunnel.connect(host: host, port: port, via: proxy, deadline: deadline)
        guard let handle = copenssl_stream_new(context.handle, socket.rawValue, host, session?.handle) else {
            socket.close()
            throw .tls(.contextUnavailable)
        }
        self.host = host
        self.socket = socket
        self.handle = handle
        self.context = context
        try handshake(deadline: deadline)
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

    private func handshake(deadline: Deadline) throws(HTTPSError) {
        while true {
            let rc = copenssl_stream_handshake(handle)
            if rc == 0 { return }
            switch rc {
            case COPENSSL_WANT_READ.rawValue, COPENSSL_WANT_WRITE.rawValue:
                let ready: Bool
                do {
                    ready = try socket.waitUntilReady(forWriting: rc == COPENSSL_WANT_WRITE.rawValue, timeoutMilliseconds: deadline.remainingMilliseconds)
                } catch {
                    throw .tls(.handshakeInterrupted(host: host, reason: error.description))
                }
                if !ready { throw .tls(.handshakeTimedOut(host: host)) }
            default:
                throw .tls(handshakeFailure())
            }
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

    /// Reads what is available, waiting until `deadline`. Returns 0 when the peer closed.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(HTTPSError) -> Int {
        while true {
            let rc = copenssl_stream_read(handle, buffer.baseAddress, Int32(clamping: buffer.count))
            if rc > 0 { return Int(rc) }
            switch rc {
            case COPENSSL_CLOSED.rawValue:
                return 0
            case COPENSSL_WANT_READ.rawValue, COPENSSL_WANT_WRITE.rawValue:
                try wait(forWriting: rc == COPENSSL_WANT_WRITE.rawValue, deadline: deadline, phase: .reading)
            default:
                throw ioFailure()
            }
        }
    }

    /// Writes all of `bytes` by `deadline`.
    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(HTTPSError) {
        var offset = 0
        while offset < bytes.count {
            let rc = copenssl_stream_write(handle, bytes.baseAddress! + offset, Int32(clamping: bytes.count - offset))
            if rc > 0 {
                offset += Int(rc)
                continue
            }
            switch rc {
            case COPENSSL_CLOSED.rawValue:
                throw .connectionClosed(host: host)
            case COPENSSL_WANT_READ.rawValue, COPENSSL_WANT_WRITE.rawValue:
                try wait(forWriting: rc == COPENSSL_WANT_WRITE.rawValue, deadline: deadline, phase: .writing)
            default:
                throw ioFailure()
            }
        }
    }

    private func wait(forWriting: Bool, deadline: Deadline, phase: HTTPSError.Phase) throws(HTTPSError) {
        let ready: Bool
        do {
            ready = try socket.waitUntilReady(forWriting: forWriting, timeoutMilliseconds: deadline.remainingMilliseconds)
        } catch {
            throw .io(host: host, reason: error.description)
        }
        if !ready { throw .timedOut(host: host, phase) }
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
