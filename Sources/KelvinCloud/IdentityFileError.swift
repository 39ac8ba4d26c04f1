/// Why a certificate or key file could not be used or written.
///
/// Every case names the file, because the person reading the message has to go and fix that file.
public enum IdentityFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case noCertificate(path: String)
    case invalidCertificate(path: String, reason: String)
    case noPrivateKey(path: String)
    case invalidPrivateKey(path: String, reason: String)
    case noCommonName(path: String)
    case unwritable(path: String, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .missing(let path), .unreadable(let path, _), .noCertificate(let path),
            .invalidCertificate(let path, _), .noPrivateKey(let path), .invalidPrivateKey(let path, _),
            .noCommonName(let path), .unwritable(let path, _):
            return path
        }
    }

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path): no such file"
        case .unreadable(let path, let reason):
            return "\(path): cannot read (\(reason))"
        case .noCertificate(let path):
            return "\(path): contains no PEM CERTIFICATE block"
        case .invalidCertificate(let path, let reason):
            return "\(path): not a valid X.509 certificate (\(reason))"
        case .noPrivateKey(let path):
            return "\(path): contains no PEM private key"
        case .invalidPrivateKey(let path, let reason):
            return "\(path): not a usable private key (\(reason))"
        case .noCommonName(let path):
            return "\(path): the certificate subject has no CN, so it cannot name a registration ID"
        case .unwritable(let path, let reason):
            return "\(path): cannot write (\(reason))"
        }
    }
}
