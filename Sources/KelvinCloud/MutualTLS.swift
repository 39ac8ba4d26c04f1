import NIOCore
import NIOSSL
import X509

/// The TLS side of both listeners: the configured ``TLSVersions``, a client certificate required,
/// and any certificate accepted at the TLS layer.
///
/// Accepting self-signed client certificates is the point: DPS individual enrollments and hub
/// thumbprint devices authorize by the certificate's hash at the application layer, not by a
/// chain. A client presenting no certificate still fails the handshake
/// (`SSL_VERIFY_FAIL_IF_NO_PEER_CERT`, which NIOSSL sets for `.noHostnameVerification`).
enum MutualTLS {
    /// - Throws: ``IdentityFileError`` for an unusable certificate or key file.
    static func makeContext(certificateFile: String, privateKeyFile: String, versions: TLSVersions) throws -> NIOSSLContext {
        let chain = try PEMFile.certificates(at: certificateFile).map { der in
            do {
                return try NIOSSLCertificate(bytes: der, format: .der)
            } catch {
                throw IdentityFileError.invalidCertificate(path: certificateFile, reason: String(describing: error))
            }
        }
        let keyText = try PEMFile.text(at: privateKeyFile)
        guard keyText.contains("PRIVATE KEY-----") else {
            throw IdentityFileError.noPrivateKey(path: privateKeyFile)
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem)
        } catch {
            throw IdentityFileError.invalidPrivateKey(path: privateKeyFile, reason: String(describing: error))
        }

        do {
            return try makeContext(chain: chain, key: key, versions: versions)
        } catch {
            throw IdentityFileError.invalidPrivateKey(
                path: privateKeyFile,
                reason: "does not fit \(certificateFile): \(error)"
            )
        }
    }

    /// The same context for a certificate and key held in memory (a hub's stand-in certificate).
    ///
    /// - Throws: NIOSSL's error when the key does not fit the certificate.
    static func makeContext(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, versions: TLSVersions) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        versions.apply(to: &configuration)
        configuration.certificateVerification = .noHostnameVerification
        // The verify callback below replaces chain validation, so no trust store is needed.
        configuration.trustRoots = .certificates([])
        return try NIOSSLContext(configuration: configuration)
    }

    /// A server handler that accepts whatever chain the client presents and stores it in `peer`;
    /// the services decide afterwards, as DPS and the hub do, whether it is enrolled or trusted.
    static func makeServerHandler(
        context: NIOSSLContext,
        recordingInto peer: ConnectionPeer,
        chains: PresentedChains
    ) -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: context) { certificates, verdict in
            guard let leaf = certificates.first, let der = try? leaf.toDERBytes(),
                let presented = try? PresentedCertificate(derBytes: der)
            else {
                verdict.succeed(.failed)
                return
            }
            peer.certificate = presented
            peer.chain = certificates.compactMap { certificate in
                (try? certificate.toDERBytes()).flatMap { try? Certificate(derEncoded: $0) }
            }
            chains.remember(peer.chain, for: presented.thumbprint)
            verdict.succeed(.certificateVerified)
        }
    }
}

/// Per-connection record of the client's certificates, written by the TLS verify callback and
/// read by the HTTP handler; both run on the connection's event loop.
final class ConnectionPeer {
    var certificate: PresentedCertificate?
    /// Leaf first, then whatever intermediates the client sent.
    var chain: [Certificate] = []

    /// A resumed session skips the verify callback; the leaf is then in the session (as at the
    /// real services, the device is still known), and its chain is the one it presented when the
    /// session was made.
    func recoverFromResumedSession(_ channel: Channel, chains: PresentedChains) {
        guard certificate == nil,
            let handler = try? channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
            let der = try? handler.peerCertificate?.toDERBytes(),
            let presented = try? PresentedCertificate(derBytes: der)
        else { return }
        certificate = presented
        chain = chains.chain(for: presented.thumbprint) ?? [presented.certificate].compactMap { $0 }
    }
}

/// Every client chain seen in a full handshake, by leaf thumbprint, for connections that resume
/// a session and so present no certificates.
final class PresentedChains: Sendable {
    private let chains = Guarded([CertificateThumbprint: [Certificate]]())

    func remember(_ chain: [Certificate], for thumbprint: CertificateThumbprint) {
        chains.withLock { $0[thumbprint] = chain }
    }

    func chain(for thumbprint: CertificateThumbprint) -> [Certificate]? {
        chains.withLock { $0[thumbprint] }
    }
}
