import Crypto
import Foundation
import SwiftASN1
import _CryptoExtras

/// Passphrase-protected PKCS#8 keys (`-----BEGIN ENCRYPTED PRIVATE KEY-----`), as
/// `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes them and OpenSSL 3 (curl, the device) reads them.
///
/// The encryption is PBES2 (RFC 8018 §6.2): PBKDF2 with HMAC-SHA256 turns the passphrase and a
/// random salt into an AES-256 key, which encrypts the PKCS#8 DER in CBC mode with a random IV
/// (RFC 5958 §3 `EncryptedPrivateKeyInfo`). Only this one combination is written or read.
public enum EncryptedPrivateKeyPEM {
    public static let pemDiscriminator = "ENCRYPTED PRIVATE KEY"

    /// PBKDF2 rounds for newly encrypted keys.
    ///
    /// The count sets what each guess costs someone who copied the key file, and what opening the
    /// key costs the device, once per start. OpenSSL opens a key with 210,000 rounds in about 0.06 s
    /// on a current x86-64 core; a small ARM board without SHA instructions should need some tens of
    /// times that, still short next to provisioning. OpenSSL's own default (2,048 rounds) makes a
    /// guess a hundred times cheaper; OWASP's advice for PBKDF2-HMAC-SHA256 (600,000) would triple
    /// the start-up cost on the smallest boards. 210,000 is also the lowest count swift-crypto's
    /// checked PBKDF2 accepts, so writing a key needs no unchecked call.
    public static let iterationCount = 210_000

    /// 16 bytes: NIST SP 800-132 §5.1 asks for at least 128 bits (RFC 8018 §4.1 for at least 64).
    static let saltByteCount = 16

    /// Decrypting never runs more rounds than this, so a damaged count cannot hang the caller.
    static let maximumIterationCount = 10_000_000

    /// The PEM text of `pkcs8DER` encrypted under `passphrase`, with a fresh salt and IV.
    ///
    /// - Throws: an error from swift-crypto if key derivation or encryption fails, or
    ///   ``EncryptedPrivateKeyError/emptyPassphrase``.
    public static func encrypt(pkcs8DER: [UInt8], passphrase: [UInt8]) throws -> String {
        guard !passphrase.isEmpty else { throw EncryptedPrivateKeyError.emptyPassphrase }
        var random = SystemRandomNumberGenerator()
        let salt = (0..<saltByteCount).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        let initializationVector = AES._CBC.IV()
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: passphrase,
            salt: salt,
            using: .sha256,
            outputByteCount: 32,
            rounds: iterationCount
        )
        let encrypted = try AES._CBC.encrypt(pkcs8DER, using: key, iv: initializationVector)
        let info = PBES2EncryptedPrivateKeyInfo(
            salt: salt,
            iterationCount: iterationCount,
            initializationVector: Array(initializationVector),
            encryptedData: Array(encrypted)
        )
        var serializer = DER.Serializer()
        try serializer.serialize(info)
        return PEMDocument(type: pemDiscriminator, derBytes: serializer.serializedBytes).pemString + "\n"
    }

    /// The PKCS#8 DER inside an `ENCRYPTED PRIVATE KEY` PEM document.
    ///
    /// - Throws: ``EncryptedPrivateKeyError/malformed(reason:)``,
    ///   ``EncryptedPrivateKeyError/unsupportedEncryption(reason:)``, or
    ///   ``EncryptedPrivateKeyError/wrongPassphrase``.
    public static func decrypt(_ document: PEMDocument, passphrase: [UInt8]) throws -> [UInt8] {
        guard document.discriminator == pemDiscriminator else {
            throw EncryptedPrivateKeyError.malformed(reason: "a \(document.discriminator) block, not \(pemDiscriminator)")
        }
        let info: PBES2EncryptedPrivateKeyInfo
        do {
            info = try PBES2EncryptedPrivateKeyInfo(derEncoded: document.derBytes)
        } catch let error as EncryptedPrivateKeyError {
            throw error
        } catch {
            throw EncryptedPrivateKeyError.malformed(reason: String(describing: error))
        }
        guard (1...maximumIterationCount).contains(info.iterationCount) else {
            throw EncryptedPrivateKeyError.unsupportedEncryption(reason: "\(info.iterationCount) PBKDF2 rounds")
        }
        // The writer chose the count; refusing counts below swift-crypto's floor would only refuse
        // keys that `openssl pkcs8` made with its default.
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: passphrase,
            salt: info.salt,
            using: .sha256,
            outputByteCount: 32,
            unsafeUncheckedRounds: info.iterationCount
        )
        let plaintext: Data
        do {
            plaintext = try AES._CBC.decrypt(
                info.encryptedData,
                using: key,
                iv: try AES._CBC.IV(ivBytes: info.initializationVector)
            )
            // A wrong key passes the padding check about once in 256 tries; the DER check catches those.
            _ = try DER.parse(Array(plaintext))
        } catch {
            throw EncryptedPrivateKeyError.wrongPassphrase
        }
        return Array(plaintext)
    }
}

/// Why an encrypted private key could not be written or opened.
public enum EncryptedPrivateKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyPassphrase
    case wrongPassphrase
    case malformed(reason: String)
    case unsupportedEncryption(reason: String)

    public var description: String {
        switch self {
        case .emptyPassphrase:
            return "the passphrase is empty"
        case .wrongPassphrase:
            return "the passphrase does not open the key"
        case .malformed(let reason):
            return "not a PKCS#8 encrypted private key (\(reason))"
        case .unsupportedEncryption(let reason):
            return "encrypted with \(reason); only PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC is supported"
        }
    }
}

/// RFC 5958 `EncryptedPrivateKeyInfo` whose algorithm is PBES2 (RFC 8018 A.4) with PBKDF2 (A.2,
/// PRF hmacWithSHA256) and aes256-CBC (B.2.5, the parameter is the IV):
///
///     SEQUENCE {
///       SEQUENCE { id-PBES2, SEQUENCE {
///         SEQUENCE { id-PBKDF2, SEQUENCE { salt OCTET STRING, iterationCount INTEGER,
///                                          [keyLength INTEGER,] SEQUENCE { hmacWithSHA256, NULL } } },
///         SEQUENCE { aes256-CBC, iv OCTET STRING } } }
///       encryptedData OCTET STRING }
struct PBES2EncryptedPrivateKeyInfo: DERImplicitlyTaggable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var salt: [UInt8]
    var iterationCount: Int
    var initializationVector: [UInt8]
    var encryptedData: [UInt8]

    init(salt: [UInt8], iterationCount: Int, initializationVector: [UInt8], encryptedData: [UInt8]) {
        self.salt = salt
        self.iterationCount = iterationCount
        self.initializationVector = initializationVector
        self.encryptedData = encryptedData
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { info in
            let (salt, iterationCount, initializationVector) = try Self.algorithm(info.next(), .pbes2) { pbes2 in
                try DER.sequence(Self.required(pbes2.next()), identifier: .sequence) { parameters in
                    let (salt, iterationCount) = try Self.algorithm(parameters.next(), .pbkdf2) { pbkdf2 in
                        try Self.pbkdf2Parameters(Self.required(pbkdf2.next()))
                    }
                    let initializationVector = try Self.algorithm(parameters.next(), .aes256CBC) { cipher in
                        Array(try ASN1OctetString(derEncoded: &cipher).bytes)
                    }
                    return (salt, iterationCount, initializationVector)
                }
            }
            return Self(
                salt: salt,
                iterationCount: iterationCount,
                initializationVector: initializationVector,
                encryptedData: Array(try ASN1OctetString(derEncoded: &info).bytes)
            )
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { info in
            try info.appendConstructedNode(identifier: .sequence) { algorithm in
                try algorithm.serialize(ASN1ObjectIdentifier.pbes2)
                try algorithm.appendConstructedNode(identifier: .sequence) { parameters in
                    try parameters.appendConstructedNode(identifier: .sequence) { kdf in
                        try kdf.serialize(ASN1ObjectIdentifier.pbkdf2)
                        try kdf.appendConstructedNode(identifier: .sequence) { pbkdf2 in
                            try pbkdf2.serialize(ASN1OctetString(contentBytes: salt[...]))
                            try pbkdf2.serialize(iterationCount)
                            try pbkdf2.appendConstructedNode(identifier: .sequence) { prf in
                                try prf.serialize(ASN1ObjectIdentifier.hmacWithSHA256)
                                try prf.serialize(ASN1Null())
                            }
                        }
                    }
                    try parameters.appendConstructedNode(identifier: .sequence) { cipher in
                        try cipher.serialize(ASN1ObjectIdentifier.aes256CBC)
                        try cipher.serialize(ASN1OctetString(contentBytes: initializationVector[...]))
                    }
                }
            }
            try info.serialize(ASN1OctetString(contentBytes: encryptedData[...]))
        }
    }

    /// `PBKDF2-params`; the PRF must be given, because its default is HMAC-SHA1.
    private static func pbkdf2Parameters(_ node: ASN1Node) throws -> (salt: [UInt8], iterationCount: Int) {
        try DER.sequence(node, identifier: .sequence) { fields in
            let salt = try ASN1OctetString(derEncoded: &fields)
            let iterationCount = try Int(derEncoded: &fields)
            if let keyLength: Int = try DER.optionalImplicitlyTagged(&fields), keyLength != 32 {
                throw EncryptedPrivateKeyError.unsupportedEncryption(reason: "a \(keyLength)-byte PBKDF2 key")
            }
            guard let prf = fields.next() else {
                throw EncryptedPrivateKeyError.unsupportedEncryption(reason: "PBKDF2-HMAC-SHA1")
            }
            try algorithm(prf, .hmacWithSHA256) { parameters in
                let _: ASN1Null? = try DER.optionalImplicitlyTagged(&parameters)
            }
            return (Array(salt.bytes), iterationCount)
        }
    }

    /// Parses an `AlgorithmIdentifier` that must name `expected`, handing its parameters to `body`.
    private static func algorithm<Result>(
        _ node: ASN1Node?,
        _ expected: ASN1ObjectIdentifier,
        _ body: (inout ASN1NodeCollection.Iterator) throws -> Result
    ) throws -> Result {
        try DER.sequence(required(node), identifier: .sequence) { fields in
            let found = try ASN1ObjectIdentifier(derEncoded: &fields)
            guard found == expected else {
                throw EncryptedPrivateKeyError.unsupportedEncryption(reason: "algorithm \(found)")
            }
            return try body(&fields)
        }
    }

    private static func required(_ node: ASN1Node?) throws -> ASN1Node {
        guard let node else { throw ASN1Error.invalidASN1Object(reason: "a required field is missing") }
        return node
    }
}

extension ASN1ObjectIdentifier {
    /// id-PBES2, RFC 8018 A.4.
    fileprivate static let pbes2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 13]
    /// id-PBKDF2, RFC 8018 A.2.
    fileprivate static let pbkdf2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 12]
    /// id-hmacWithSHA256, RFC 8018 B.1.2.
    fileprivate static let hmacWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 9]
    /// aes256-CBC-PAD, RFC 8018 B.2.5.
    fileprivate static let aes256CBC: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 42]
}
