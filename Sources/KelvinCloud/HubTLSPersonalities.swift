import Foundation
import NIOCore
import NIOSSL
import X509

/// Each hub's current ``HubTLSMode``, and the TLS context each mode presents. A stand-in
/// certificate is made when its mode is switched on, not when a device connects, so that the
/// admin API reports a mode it cannot serve and a handshake never waits for key generation.
final class HubTLSPersonalities: Sendable {
    private let hubNames: [String]
    private let genuine: NIOSSLContext
    /// Whose subject and names the stand-ins copy.
    private let genuineCertificate: Certificate
    /// The server CA, which signs the not-yet-valid stand-in; `nil` when its key was not given.
    private let authority: CertificateIssuer?
    /// The stand-ins negotiate what the genuine context does.
    private let versions: TLSVersions
    private let state = Guarded(State())

    private struct State: Sendable {
        /// Hubs not listed are ``HubTLSMode/normal``.
        var modes: [String: HubTLSMode] = [:]
        var standIns: [HubTLSMode: NIOSSLContext] = [:]
    }

    init(
        hubNames: [String],
        genuine: NIOSSLContext,
        genuineCertificate: Certificate,
        authority: CertificateIssuer?,
        versions: TLSVersions
    ) {
        self.hubNames = hubNames
        self.versions = versions
        self.genuine = genuine
        self.genuineCertificate = genuineCertificate
        self.authority = authority
    }

    func mode(ofHub name: String) -> HubTLSMode {
        state.withLock { $0.modes[name] ?? .normal }
    }

    /// What a new connection to the hub meets.
    func greeting(forHub name: String) -> ConnectionGreeting {
        state.withLock { state in
            let mode = state.modes[name] ?? .normal
            switch mode {
            case .normal:
                return .mutualTLS(genuine)
            case .plainHTTP:
                return .captivePortal
            case .notYetValid, .untrusted:
                // switchHub made it before setting the mode.
                guard let standIn = state.standIns[mode] else { return .mutualTLS(genuine) }
                return .standIn(standIn, mode)
            }
        }
    }

    /// Switches the hub to `mode` and, when that changed anything, closes its open connections,
    /// so that a device with a kept-alive connection meets the new mode as it reconnects.
    ///
    /// - Returns: the mode before, and the connections being closed.
    /// - Throws: ``HubTLSModeError``.
    func switchHub(
        _ name: String,
        to mode: HubTLSMode,
        closing connections: OpenConnections,
        at now: Date
    ) throws(HubTLSModeError) -> (previous: HubTLSMode, closing: [Channel]) {
        guard hubNames.contains(name) else { throw .unknownHub(name, known: hubNames) }
        try prepareStandIn(for: mode, at: now)
        let previous = state.withLock { state in
            let previous = state.modes[name] ?? .normal
            state.modes[name] = mode
            return previous
        }
        return (previous, previous == mode ? [] : connections.closeAll(service: name))
    }

    /// Puts every hub back to ``HubTLSMode/normal``, closing the connections of those that were
    /// not; returns those hubs and the connections being closed.
    @discardableResult
    func restoreAll(closing connections: OpenConnections) -> (hubs: [String], closing: [Channel]) {
        let changed = state.withLock { state in
            let changed = hubNames.filter { (state.modes[$0] ?? .normal) != .normal }
            state.modes = [:]
            return changed
        }
        return (changed, changed.flatMap { connections.closeAll(service: $0) })
    }

    private func prepareStandIn(for mode: HubTLSMode, at now: Date) throws(HubTLSModeError) {
        guard mode == .notYetValid || mode == .untrusted, state.withLock({ $0.standIns[mode] }) == nil else { return }
        let standIn: StandInServerCertificate
        let context: NIOSSLContext
        do {
            if mode == .notYetValid {
                guard let authority else { throw HubTLSModeError.noCAKey }
                standIn = try .notYetValid(imitating: genuineCertificate, signedBy: authority, at: now)
            } else {
                standIn = try .untrusted(imitating: genuineCertificate, at: now)
            }
            context = try MutualTLS.makeContext(
                chain: [try NIOSSLCertificate(bytes: try standIn.certificate.derBytes, format: .der)],
                key: try NIOSSLPrivateKey(bytes: Array(try standIn.key.pemText(passphrase: nil).utf8), format: .pem),
                versions: versions
            )
        } catch let error as HubTLSModeError {
            throw error
        } catch {
            throw .cannotMakeCertificate(reason: String(describing: error))
        }
        state.withLock { $0.standIns[mode] = context }
    }
}
