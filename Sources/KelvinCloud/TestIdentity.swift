import Crypto
import Foundation
import SwiftASN1
import X509

/// Generates the certificates a local run needs, so that nobody needs Azure or an openssl session.
///
/// All keys are ECDSA P-256: small enough for the device's TLS buffers and accepted by every peer
/// the project tests against (curl/OpenSSL, NIOSSL).
public struct TestIdentity {
    public static let serverCAFileName = "server-ca.pem"
    public static let serverCertificateFileName = "server-cert.pem"
    public static let serverPrivateKeyFileName = "server-key.pem"

    /// Writes `server-ca.pem` (a self-signed CA), `server-cert.pem` and `server-key.pem` (a leaf for
    /// `DNS:localhost` and `IP:127.0.0.1` with the serverAuth EKU, signed by that CA) into `directory`,
    /// creating it if needed.
    ///
    /// Idempotent: when the three files already form a valid set (the CA signed the leaf, both are
    /// currently valid, the key belongs to the leaf) they are kept, so devices that trust the CA keep
    /// working. Otherwise all three are replaced, because the CA's key is never stored.
    ///
    /// - Throws: ``IdentityFileError/unwritable(path:reason:)``, or an error from swift-certificates
    ///   if signing fails.
    public static func createServerIdentity(in directory: String) throws -> ServerIdentityFiles {
        try PEMFile.createDirectory(directory)
        var files = ServerIdentityFiles(
            caCertificateFile: path(directory, serverCAFileName),
            certificateFile: path(directory, serverCertificateFileName),
            privateKeyFile: path(directory, serverPrivateKeyFileName),
            outcome: .kept
        )
        let now = Date()
        if isUsableServerIdentity(files, at: now) {
            return files
        }

        let caKey = P256.Signing.PrivateKey()
        let caPublicKey = Certificate.PublicKey(caKey.publicKey)
        let caKeyIdentifier = SubjectKeyIdentifier(hash: caPublicKey)
        let caName = try DistinguishedName {
            OrganizationName("Kelvin")
            CommonName("Kelvin Cloud Test CA")
        }
        let caValidity = CertificateValidity.days(3650, from: now)
        let ca = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: caPublicKey,
            notValidBefore: caValidity.notBefore,
            notValidAfter: caValidity.notAfter,
            issuer: caName,
            subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                caKeyIdentifier
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )

        let serverKey = P256.Signing.PrivateKey()
        let serverPublicKey = Certificate.PublicKey(serverKey.publicKey)
        // 825 days is the longest lifetime Apple's TLS stack accepts for a server leaf.
        let serverValidity = CertificateValidity.days(825, from: now)
        let server = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: serverPublicKey,
            notValidBefore: serverValidity.notBefore,
            notValidAfter: serverValidity.notAfter,
            issuer: caName,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"),
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                ])
                SubjectKeyIdentifier(hash: serverPublicKey)
                AuthorityKeyIdentifier(keyIdentifier: caKeyIdentifier.keyIdentifier)
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )

        try PEMFile.write(serverKey.pemRepresentation, to: files.privateKeyFile, isSecret: true)
        try PEMFile.write(try server.serializeAsPEM().pemString + "\n", to: files.certificateFile, isSecret: false)
        try PEMFile.write(try ca.serializeAsPEM().pemString + "\n", to: files.caCertificateFile, isSecret: false)
        files.outcome = .created
        return files
    }

    /// Writes `<name>-cert.pem` (self-signed, subject `CN=<registrationID>`, clientAuth EKU) and
    /// `<name>-key.pem` (unencrypted PKCS#8 PEM, ECDSA P-256) into `directory`, creating it if needed.
    ///
    /// Idempotent: an existing pair is kept when the certificate names the same registration ID, is
    /// valid now, and the key belongs to it; `validity` only applies to newly written certificates.
    ///
    /// - Throws: ``IdentityFileError/unwritable(path:reason:)``, or an error from swift-certificates
    ///   if signing fails.
    public static func createSelfSignedDevice(
        registrationID: String,
        name: String = "device",
        in directory: String,
        validity: CertificateValidity = .days(30)
    ) throws -> DeviceIdentityFiles {
        try PEMFile.createDirectory(directory)
        let certificateFile = path(directory, "\(name)-cert.pem")
        let privateKeyFile = path(directory, "\(name)-key.pem")
        if let kept = usableDevice(
            certificateFile: certificateFile,
            privateKeyFile: privateKeyFile,
            registrationID: registrationID,
            at: Date()
        ) {
            return DeviceIdentityFiles(
                certificateFile: certificateFile,
                privateKeyFile: privateKeyFile,
                registrationID: registrationID,
                thumbprint: kept,
                outcome: .kept
            )
        }

        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let subject = try DistinguishedName { CommonName(registrationID) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: validity.notBefore,
            notValidAfter: validity.notAfter,
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )

        try PEMFile.write(key.pemRepresentation, to: privateKeyFile, isSecret: true)
        try PEMFile.write(try certificate.serializeAsPEM().pemString + "\n", to: certificateFile, isSecret: false)
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return DeviceIdentityFiles(
            certificateFile: certificateFile,
            privateKeyFile: privateKeyFile,
            registrationID: registrationID,
            thumbprint: CertificateThumbprint(certificateDER: serializer.serializedBytes),
            outcome: .created
        )
    }

    private static func isUsableServerIdentity(_ files: ServerIdentityFiles, at now: Date) -> Bool {
        guard let ca = try? loadCertificate(files.caCertificateFile),
            let leaf = try? loadCertificate(files.certificateFile),
            let key = try? loadPrivateKey(files.privateKeyFile)
        else {
            return false
        }
        return ca.publicKey.isValidSignature(leaf.signature, for: leaf)
            && ca.isValid(at: now) && leaf.isValid(at: now)
            && key.publicKey == leaf.publicKey
    }

    /// The thumbprint of an existing device certificate worth keeping, or `nil`.
    private static func usableDevice(
        certificateFile: String,
        privateKeyFile: String,
        registrationID: String,
        at now: Date
    ) -> CertificateThumbprint? {
        guard let der = try? PEMFile.certificates(at: certificateFile).first,
            let certificate = try? Certificate(derEncoded: der),
            let key = try? loadPrivateKey(privateKeyFile),
            certificate.subject.commonName == registrationID,
            certificate.isValid(at: now),
            key.publicKey == certificate.publicKey
        else {
            return nil
        }
        return CertificateThumbprint(certificateDER: der)
    }

    private static func loadCertificate(_ file: String) throws -> Certificate {
        try Certificate(derEncoded: try PEMFile.certificates(at: file)[0])
    }

    private static func loadPrivateKey(_ file: String) throws -> Certificate.PrivateKey {
        try Certificate.PrivateKey(pemEncoded: try PEMFile.text(at: file))
    }

    private static func path(_ directory: String, _ file: String) -> String {
        // Joined as given, so messages show the path the user typed.
        directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }
}

extension Certificate {
    func isValid(at instant: Date) -> Bool {
        notValidBefore <= instant && instant <= notValidAfter
    }
}
