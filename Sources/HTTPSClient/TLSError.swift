import Platform

/// Everything that can go wrong setting up or using TLS, each with the one line a person needs.
public enum TLSError: Error, Equatable, CustomStringConvertible {
    case contextUnavailable
    case trustFileUnreadable(path: String, Errno)
    case trustFileInvalid(path: String)
    case trustDirectoryUnreadable(path: String, Errno)
    case systemTrustUnavailable
    case certificateUnreadable(path: String, Errno)
    case certificateInvalid(path: String)
    case keyUnreadable(path: String, Errno)
    case keyInvalid(path: String)
    case passphraseNeeded(path: String)
    case wrongPassphrase(path: String)
    case keyMismatch(keyPath: String, certificatePath: String)
    case passphraseFileUnreadable(path: String, FileError)
    /// A FIFO, a device or a directory where a PEM file belongs: OpenSSL would block on it or
    /// read it forever.
    case notAFile(path: String, FileKind, TLSFileRole)
    /// No module of that name where OpenSSL looks for providers.
    case providerMissing(String)
    /// The module is there but did not start: for tpm2, the TPM could not be reached.
    case providerFailed(String, reason: String)
    case providerKeyNotFound(uri: String, provider: String, reason: String)
    case providerURIUnknown(uri: String, provider: String)
    case providerKeyNotEC(uri: String)
    case requestUnwritable(path: String, errno: Int32)
    case requestNotSigned(uri: String, reason: String)

    case untrustedServer(host: String, reason: String)
    case hostnameMismatch(host: String)
    case serverCertificateExpired(host: String)
    case serverCertificateNotYetValid(host: String)
    case clientCertificateRejected(host: String, reason: String)
    case handshakeTimedOut(host: String)
    /// OpenSSL refused the exchange (wrong protocol, no common cipher): retrying will not help.
    case handshakeFailed(host: String, reason: String)
    /// The connection broke during the handshake: a later attempt may succeed.
    case handshakeInterrupted(host: String, reason: String)

    public var description: String {
        switch self {
        case .contextUnavailable:
            return "OpenSSL could not create a TLS context (out of memory?)"
        case .trustFileUnreadable(let path, let error):
            return "cannot read the CA file \(path): \(error); pass --ca-file with the CA that signed the server certificate"
        case .trustFileInvalid(let path):
            return "the CA file \(path) holds no PEM certificate; it must contain -----BEGIN CERTIFICATE----- blocks"
        case .trustDirectoryUnreadable(let path, let error):
            return "cannot read the CA directory \(path): \(error); pass --ca-dir a directory of CA certificates prepared with `openssl rehash`"
        case .systemTrustUnavailable:
            return "the system CA store could not be loaded; install ca-certificates or pass --ca-file"
        case .certificateUnreadable(let path, let error):
            return "cannot read the device certificate \(path): \(error); pass --cert with the device's PEM certificate"
        case .certificateInvalid(let path):
            return "the device certificate \(path) is not a PEM certificate; it must start with -----BEGIN CERTIFICATE-----"
        case .keyUnreadable(let path, let error):
            return "cannot read the device key \(path): \(error); pass --key with the device's PEM private key"
        case .keyInvalid(let path):
            return "the device key \(path) is not a PEM private key; it must start with -----BEGIN (ENCRYPTED )PRIVATE KEY-----"
        case .passphraseNeeded(let path):
            return "the device key \(path) is encrypted; give its passphrase with --key-passphrase-file or KELVIN_KEY_PASSPHRASE"
        case .wrongPassphrase(let path):
            return "the passphrase does not open the device key \(path); check --key-passphrase-file or KELVIN_KEY_PASSPHRASE"
        case .keyMismatch(let keyPath, let certificatePath):
            return "the device key \(keyPath) does not belong to the certificate \(certificatePath); use the key the certificate was made from"
        case .notAFile(let path, let kind, let role):
            return "\(role) \(path) is not a regular file (\(kind)); point \(role.option) at the PEM file"
        case .passphraseFileUnreadable(_, let error):
            return "\(error); --key-passphrase-file must name a readable file holding the passphrase"
        case .providerMissing(let name):
            return "the OpenSSL provider \(name) is not installed (no \(name).so among OpenSSL's modules); for a TPM install tpm2-openssl (apt-get install tpm2-openssl), or set OPENSSL_MODULES"
        case .providerFailed(let name, let reason):
            return "the OpenSSL provider \(name) did not start (\(reason)); for a TPM check it is reachable: /dev/tpmrm0 present and readable by this user (group tss), or TPM2OPENSSL_TCTI naming it"
        case .providerKeyNotFound(let uri, let provider, let reason):
            return "the provider \(provider) holds no usable key at \(uri) (\(reason)); list the TPM's persistent handles with tpm2_getcap handles-persistent, or create one with kelvin key create --tpm"
        case .providerURIUnknown(let uri, let provider):
            return "the provider \(provider) does not serve the URI \(uri); tpm2 takes handle:0x81000001 (a persistent handle) or object:FILE"
        case .providerKeyNotEC(let uri):
            return "the key at \(uri) is not an EC key; Kelvin signs only with EC keys held by a provider — create an EC P-256 key (kelvin key create --tpm)"
        case .requestUnwritable(let path, let errno):
            return "cannot write the certificate request \(path): \(Errno(rawValue: errno)); pass --out a writable path"
        case .requestNotSigned(let uri, let reason):
            return "the key at \(uri) did not sign the certificate request (\(reason)); check the key with kelvin check"
        case .untrustedServer(let host, let reason):
            return "the server certificate of \(host) is not trusted (\(reason)); pass --ca-file with the CA that signed it"
        case .hostnameMismatch(let host):
            return "the server certificate does not name \(host); check the host name, or the server's certificate"
        case .serverCertificateExpired(let host):
            return "the server certificate of \(host) has expired — or the system clock is wrong; check `date`"
        case .serverCertificateNotYetValid(let host):
            return "the server certificate of \(host) is not yet valid — is the system clock set? (boards without an RTC start in the past; check `date` and NTP)"
        case .clientCertificateRejected(let host, let reason):
            return "\(host) rejected the device certificate during the TLS handshake (\(reason)); check that the certificate is the enrolled one"
        case .handshakeTimedOut(let host):
            return "the TLS handshake with \(host) did not finish in time; check the network, or raise --connect-timeout"
        case .handshakeFailed(let host, let reason):
            return "the TLS handshake with \(host) failed: \(reason); check that the host and port are the service's HTTPS endpoint"
        case .handshakeInterrupted(let host, let reason):
            return "the connection to \(host) broke during the TLS handshake: \(reason)"
        }
    }
}

/// Which of the files OpenSSL reads by path a ``TLSError`` is about.
public enum TLSFileRole: Equatable, Sendable, CustomStringConvertible {
    case trustFile
    case certificate
    case key

    public var description: String {
        switch self {
        case .trustFile: return "the CA file"
        case .certificate: return "the device certificate"
        case .key: return "the device key"
        }
    }

    /// The flag that names the file.
    public var option: String {
        switch self {
        case .trustFile: return "--ca-file"
        case .certificate: return "--cert"
        case .key: return "--key"
        }
    }
}
