import Foundation
import SwiftASN1
import X509

/// Generates the certificates a local run needs, so that nobody needs Azure or an openssl session.
///
/// CA and server keys are ECDSA P-256: small enough for the device's TLS buffers and accepted by
/// every peer the project tests against (curl/OpenSSL, NIOSSL). Device keys are P-256 unless RSA is
/// asked for (see ``DeviceKeyAlgorithm``).
public struct TestIdentity {
    public static let serverCAFileName = "server-ca.pem"
    public static let serverCertificateFileName = "server-cert.pem"
    public static let serverPrivateKeyFileName = "server-key.pem"

    /// The server CA's own key, kept so that the emulator can sign stand-in server certificates
    /// (one not yet valid, for ``HubTLSMode/notYetValid``) with the CA devices trust.
    public static let serverCAPrivateKeyFileName = "server-ca-key.pem"

    /// Writes `server-ca.pem` (a self-signed CA) and its key `server-ca-key.pem`, `server-cert.pem`
    /// and `server-key.pem` (a leaf for `DNS:localhost`, `IP:127.0.0.1`, every name in
    /// `extraNames` and every address in `extraAddresses`, with the serverAuth EKU, signed by that
    /// CA) into `directory`, creating it if needed.
    ///
    /// Idempotent: when the four files already form a valid set (the CA signed the leaf, both are
    /// currently valid, each key belongs to its certificate, the leaf names every requested name
    /// and address)
    /// they are kept, so devices that trust the CA keep working. Otherwise all four are replaced.
    ///
    /// - Parameter extraNames: DNS names the hubs are reached by besides `localhost`, such as the
    ///   host name `kelvin-cloud serve --public-host` hands out.
    /// - Parameter extraAddresses: IP addresses (4 or 16 bytes) devices reach the emulator at
    ///   besides 127.0.0.1, such as a laptop's LAN address for a Pi on the bench.
    /// - Throws: ``IdentityFileError/unwritable(path:reason:)``, or an error from swift-certificates
    ///   if signing fails.
    public static func createServerIdentity(
        in directory: String,
        extraNames: [String] = [],
        extraAddresses: [[UInt8]] = []
    ) throws -> ServerIdentityFiles {
        try PEMFile.createDirectory(directory)
        var files = ServerIdentityFiles(
            caCertificateFile: path(directory, serverCAFileName),
            certificateFile: path(directory, serverCertificateFileName),
            privateKeyFile: path(directory, serverPrivateKeyFileName),
            outcome: .kept,
            caPrivateKeyFile: path(directory, serverCAPrivateKeyFileName)
        )
        let names = ["localhost"] + extraNames.filter { $0 != "localhost" }
        let loopback: [UInt8] = [127, 0, 0, 1]
        let addresses = [loopback] + extraAddresses.filter { $0 != loopback }
        let now = Date()
        if isUsableServerIdentity(files, naming: names, addresses: addresses, at: now) {
            return files
        }

        let ca = try CertificateIssuer.leafSigningRoot(commonName: "Kelvin Cloud Test CA", validity: .days(3650, from: now))
        let serverKey = try GeneratedPrivateKey(.ecP256)
        let server = try ca.issueLeaf(
            subject: try DistinguishedName { CommonName("localhost") },
            publicKey: serverKey.publicKey,
            usage: .serverAuth,
            alternativeNames: SubjectAlternativeNames(
                names.map { GeneralName.dnsName($0) }
                    + addresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
            ),
            // 825 days is the longest lifetime Apple's TLS stack accepts for a server leaf.
            validity: .days(825, from: now)
        )

        try PEMFile.write(try serverKey.pemText(passphrase: nil), to: files.privateKeyFile, isSecret: true)
        try PEMFile.write(try server.pemText, to: files.certificateFile, isSecret: false)
        if let caPrivateKeyFile = files.caPrivateKeyFile {
            // P-256, which swift-certificates writes as PKCS#8 like every other key here.
            try PEMFile.write(try ca.privateKey.serializeAsPEM().pemString + "\n", to: caPrivateKeyFile, isSecret: true)
        }
        try PEMFile.write(try ca.certificate.pemText, to: files.caCertificateFile, isSecret: false)
        files.outcome = .created
        return files
    }

    /// Writes `<name>-cert.pem` (self-signed, subject `CN=<registrationID>`, clientAuth EKU) and
    /// `<name>-key.pem` (PKCS#8 PEM, encrypted when `passphrase` is given) into `directory`,
    /// creating it if needed. This is the identity of an individual enrollment.
    ///
    /// Idempotent: an existing pair is kept when the certificate names the same registration ID, is
    /// self-signed, valid now and of `keyAlgorithm`, and the key belongs to it and is encrypted
    /// exactly when a passphrase is given (and opens with it). `validity` only applies to newly
    /// written certificates; pass one that has ended or not yet begun to test how peers react.
    ///
    /// - Parameter passphrase: encrypts the key (see ``EncryptedPrivateKeyPEM``); never stored.
    /// - Throws: ``IdentityFileError/unwritable(path:reason:)`` (also when `name` would overwrite
    ///   the server or CA files), or an error from swift-crypto or swift-certificates if key
    ///   generation or signing fails.
    public static func createSelfSignedDevice(
        registrationID: String,
        name: String = "device",
        in directory: String,
        keyAlgorithm: DeviceKeyAlgorithm = .ecP256,
        passphrase: [UInt8]? = nil,
        validity: CertificateValidity = .days(30)
    ) throws -> DeviceIdentityFiles {
        try deviceIdentity(
            registrationID: registrationID,
            name: name,
            in: directory,
            keyAlgorithm: keyAlgorithm,
            passphrase: passphrase,
            validity: validity,
            issuer: nil
        )
    }

    /// Device file names that would overwrite the server or CA files.
    public static let reservedDeviceNames: Set<String> = ["server", "root-ca", "intermediate-ca"]

    /// Keeps `<name>-cert.pem` and `<name>-key.pem` when they already answer the request; otherwise
    /// makes a key and a certificate, self-signed or issued by `issuer`, and writes both.
    static func deviceIdentity(
        registrationID: String,
        name: String,
        in directory: String,
        keyAlgorithm: DeviceKeyAlgorithm,
        passphrase: [UInt8]?,
        validity: CertificateValidity,
        issuer: CertificateIssuer?
    ) throws -> DeviceIdentityFiles {
        let certificateFile = path(directory, "\(name)-cert.pem")
        let privateKeyFile = path(directory, "\(name)-key.pem")
        guard !reservedDeviceNames.contains(name) else {
            throw IdentityFileError.unwritable(
                path: certificateFile,
                reason: "the name '\(name)' is taken by the server and CA files; choose another"
            )
        }
        try PEMFile.createDirectory(directory)
        let certificate: Certificate
        let outcome: FileOutcome
        if let kept = usableDeviceCertificate(
            certificateFile: certificateFile,
            privateKeyFile: privateKeyFile,
            registrationID: registrationID,
            keyAlgorithm: keyAlgorithm,
            passphrase: passphrase,
            issuer: issuer,
            at: Date()
        ) {
            certificate = kept
            outcome = .kept
        } else {
            let key = try GeneratedPrivateKey(keyAlgorithm)
            let subject = try DistinguishedName { CommonName(registrationID) }
            if let issuer {
                certificate = try issuer.issueLeaf(
                    subject: subject,
                    publicKey: key.publicKey,
                    usage: .clientAuth,
                    validity: validity
                )
            } else {
                certificate = try CertificateIssuer.selfSignedLeaf(
                    subject: subject,
                    key: key.certificateKey,
                    usage: .clientAuth,
                    validity: validity
                )
            }
            try PEMFile.write(try key.pemText(passphrase: passphrase), to: privateKeyFile, isSecret: true)
            try PEMFile.write(try certificate.pemText, to: certificateFile, isSecret: false)
            outcome = .created
        }
        let certificateDER = try certificate.derBytes
        return DeviceIdentityFiles(
            certificateFile: certificateFile,
            privateKeyFile: privateKeyFile,
            registrationID: registrationID,
            thumbprint: CertificateThumbprint(certificateDER: certificateDER),
            outcome: outcome,
            keyAlgorithm: keyAlgorithm,
            isPrivateKeyEncrypted: passphrase != nil,
            certificate: certificate,
            certificateDER: certificateDER
        )
    }

    private static func isUsableServerIdentity(
        _ files: ServerIdentityFiles,
        naming names: [String],
        addresses: [[UInt8]],
        at now: Date
    ) -> Bool {
        guard let ca = try? PEMFile.certificate(at: files.caCertificateFile),
            let caKeyFile = files.caPrivateKeyFile,
            let caKey = try? PEMFile.privateKey(at: caKeyFile),
            let leaf = try? PEMFile.certificate(at: files.certificateFile),
            let key = try? PEMFile.privateKey(at: files.privateKeyFile)
        else {
            return false
        }
        let leafNames = leaf.dnsNames
        return ca.publicKey.isValidSignature(leaf.signature, for: leaf)
            && ca.isValid(at: now) && leaf.isValid(at: now)
            && key.publicKey == leaf.publicKey && caKey.publicKey == ca.publicKey
            && names.allSatisfy(leafNames.contains)
            && addresses.allSatisfy(leaf.ipAddresses.contains)
    }

    /// The existing device certificate when it and its key answer the request; otherwise `nil`.
    private static func usableDeviceCertificate(
        certificateFile: String,
        privateKeyFile: String,
        registrationID: String,
        keyAlgorithm: DeviceKeyAlgorithm,
        passphrase: [UInt8]?,
        issuer: CertificateIssuer?,
        at now: Date
    ) -> Certificate? {
        guard let certificate = try? PEMFile.certificate(at: certificateFile),
            let key = try? PEMFile.privateKey(at: privateKeyFile, passphrase: passphrase),
            certificate.subject.commonName == registrationID,
            certificate.isValid(at: now),
            key.publicKey == certificate.publicKey,
            DeviceKeyAlgorithm(of: certificate.publicKey) == keyAlgorithm
        else {
            return nil
        }
        let hasWantedIssuer: Bool
        if let issuer {
            hasWantedIssuer = certificate.issuer == issuer.certificate.subject && issuer.signed(certificate)
        } else {
            hasWantedIssuer = certificate.issuer == certificate.subject
        }
        return hasWantedIssuer ? certificate : nil
    }

    static func path(_ directory: String, _ file: String) -> String {
        // Joined as given, so messages show the path the user typed.
        directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }
}
