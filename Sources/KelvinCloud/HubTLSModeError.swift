/// Why a hub's TLS mode could not be switched.
public enum HubTLSModeError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownHub(String, known: [String])
    /// ``HubTLSMode/notYetValid`` signs with the server CA, whose key this server was not given.
    case noCAKey
    /// swift-certificates or NIOSSL refused the stand-in certificate.
    case cannotMakeCertificate(reason: String)

    public var description: String {
        switch self {
        case .unknownHub(let name, let known):
            return "no hub named \"\(name)\" (hubs: \(known.joined(separator: ", ")))"
        case .noCAKey:
            return "not-yet-valid needs the server CA's key (\(TestIdentity.serverCAPrivateKeyFileName)) to sign with; "
                + "make the server identity with `kelvin-cloud init` or `kelvin-cloud pki server`, which keep it"
        case .cannotMakeCertificate(let reason):
            return "cannot make the stand-in server certificate: \(reason)"
        }
    }
}
