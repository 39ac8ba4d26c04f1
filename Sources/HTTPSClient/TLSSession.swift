import COpenSSL

/// A session the server offered for resumption: presenting it on the next connection to the
/// same host skips the full handshake, and with it the device's private-key signature.
final class TLSSession {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        copenssl_session_free(handle)
    }
}
