import Crypto

/// The SHA-256 digest of a certificate's DER encoding: the identity IoT Hub and DPS compare for
/// individual X.509 enrollments and thumbprint-authenticated devices.
///
/// Azure shows thumbprints as upper-case hex without separators, so ``hex`` does too; parsing
/// accepts either case and the colon-separated form `openssl x509 -fingerprint` prints.
public struct CertificateThumbprint: Sendable, Hashable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let sha256: [UInt8]

    /// The thumbprint of a certificate given as DER bytes.
    public init(certificateDER: some Sequence<UInt8>) {
        self.sha256 = Array(SHA256.hash(data: Array(certificateDER)))
    }

    /// A thumbprint written as 64 hex digits, optionally separated by colons.
    public init?(hex text: String) {
        let digits = text.filter { $0 != ":" }
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.sha256 = bytes
    }

    /// Upper-case hex, as the Azure portal and `az iot` print it.
    public var hex: String {
        sha256.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return byte < 0x10 ? "0" + digits : digits
        }.joined()
    }

    public var description: String { hex }
}
