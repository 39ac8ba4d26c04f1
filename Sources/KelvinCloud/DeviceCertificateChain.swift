import Foundation
import X509

/// Root CA → intermediate CA → device: the identity of a device in a DPS group enrollment, made
/// without the openssl session the Azure "create test certificates" scripts use.
extension TestIdentity {
    public static let rootCACertificateFileName = "root-ca-cert.pem"
    public static let rootCAPrivateKeyFileName = "root-ca-key.pem"
    public static let intermediateCACertificateFileName = "intermediate-ca-cert.pem"
    public static let intermediateCAPrivateKeyFileName = "intermediate-ca-key.pem"

    /// Writes a root CA and an intermediate CA signed by it (certificates and unencrypted keys, the
    /// keys mode 0600) into `directory`, creating it if needed.
    ///
    /// The keys are kept so that later calls can issue more devices under the same CAs. Existing
    /// files are reused when they are still valid: the root when it is a currently valid,
    /// self-signed CA whose key fits; the intermediate when, in addition, the kept root signed it.
    /// A replaced root always brings a new intermediate. Both CAs use P-256 whatever the device key,
    /// since a device's key algorithm need not match its issuer's.
    ///
    /// - Parameter validity: for newly written CA certificates only.
    /// - Throws: ``IdentityFileError/unwritable(path:reason:)``, or an error from swift-certificates
    ///   if signing fails.
    public static func createCertificateAuthorities(
        in directory: String,
        validity: CertificateValidity = .days(3650)
    ) throws -> DeviceCertificateAuthorities {
        try certificateAuthorities(in: directory, validity: validity).files
    }

    /// Issues `<name>-cert.pem` (the leaf alone: subject `CN=<registrationID>`, clientAuth EKU,
    /// signed by the intermediate CA), `<name>-fullchain.pem` (the leaf, then the intermediate) and
    /// `<name>-key.pem` (PKCS#8 PEM, encrypted when `passphrase` is given), after making or reusing
    /// the CAs as ``createCertificateAuthorities(in:validity:)`` does.
    ///
    /// The leaf and key are kept on a later call when they name the same registration ID, are valid
    /// now, were signed by the current intermediate and match `keyAlgorithm` and `passphrase`. The
    /// full-chain file is rewritten every time, because it is derived from the leaf and the
    /// intermediate.
    ///
    /// - Parameters:
    ///   - validity: for a newly issued device certificate; one that has ended or not yet begun
    ///     tests how peers react.
    ///   - authorityValidity: for newly written CA certificates.
    /// - Throws: the ``createCertificateAuthorities(in:validity:)`` errors, and those of
    ///   ``createSelfSignedDevice(registrationID:name:in:keyAlgorithm:passphrase:validity:)``.
    public static func createChainDevice(
        registrationID: String,
        name: String = "device",
        in directory: String,
        keyAlgorithm: DeviceKeyAlgorithm = .ecP256,
        passphrase: [UInt8]? = nil,
        validity: CertificateValidity = .days(30),
        authorityValidity: CertificateValidity = .days(3650)
    ) throws -> ChainDeviceIdentityFiles {
        let authorities = try certificateAuthorities(in: directory, validity: authorityValidity)
        let device = try deviceIdentity(
            registrationID: registrationID,
            name: name,
            in: directory,
            keyAlgorithm: keyAlgorithm,
            passphrase: passphrase,
            validity: validity,
            issuer: authorities.intermediate
        )
        let fullChainFile = path(directory, "\(name)-fullchain.pem")
        try PEMFile.write(
            try device.certificate.pemText + authorities.intermediate.certificate.pemText,
            to: fullChainFile,
            isSecret: false
        )
        return ChainDeviceIdentityFiles(authorities: authorities.files, device: device, fullChainFile: fullChainFile)
    }

    static func certificateAuthorities(
        in directory: String,
        validity: CertificateValidity
    ) throws -> (files: DeviceCertificateAuthorities, intermediate: CertificateIssuer) {
        try PEMFile.createDirectory(directory)
        let now = Date()
        let root = try keptOrNewAuthority(
            certificateFile: path(directory, rootCACertificateFileName),
            privateKeyFile: path(directory, rootCAPrivateKeyFileName),
            signedBy: nil,
            at: now
        ) {
            try CertificateIssuer.selfSignedAuthority(
                name: try DistinguishedName {
                    OrganizationName("Kelvin")
                    CommonName("Kelvin Test Root CA")
                },
                key: try GeneratedPrivateKey(.ecP256).certificateKey,
                // One CA (the intermediate) may sit below the root.
                maxPathLength: 1,
                validity: validity
            )
        }
        let intermediate = try keptOrNewAuthority(
            certificateFile: path(directory, intermediateCACertificateFileName),
            privateKeyFile: path(directory, intermediateCAPrivateKeyFileName),
            // A new root did not sign the old intermediate, so that one is replaced too.
            signedBy: root.issuer,
            at: now
        ) {
            try root.issuer.issueAuthority(
                name: try DistinguishedName {
                    OrganizationName("Kelvin")
                    CommonName("Kelvin Test Intermediate CA")
                },
                key: try GeneratedPrivateKey(.ecP256).certificateKey,
                maxPathLength: 0,
                validity: validity
            )
        }
        return (DeviceCertificateAuthorities(root: root.files, intermediate: intermediate.files), intermediate.issuer)
    }

    /// The CA in the two files when it is still usable, otherwise the one `makeNew` returns,
    /// written to them.
    ///
    /// - Parameter parent: the CA that must have signed the kept one; `nil` for a root, which must
    ///   have signed itself.
    private static func keptOrNewAuthority(
        certificateFile: String,
        privateKeyFile: String,
        signedBy parent: CertificateIssuer?,
        at now: Date,
        makeNew: () throws -> CertificateIssuer
    ) throws -> (issuer: CertificateIssuer, files: CertificateAuthorityFiles) {
        let issuer: CertificateIssuer
        let outcome: FileOutcome
        if let kept = usableAuthority(certificateFile, privateKeyFile, signedBy: parent, at: now) {
            issuer = kept
            outcome = .kept
        } else {
            issuer = try makeNew()
            // CA keys are P-256, which swift-certificates writes as PKCS#8 like every other key here.
            try PEMFile.write(try issuer.privateKey.serializeAsPEM().pemString + "\n", to: privateKeyFile, isSecret: true)
            try PEMFile.write(try issuer.certificate.pemText, to: certificateFile, isSecret: false)
            outcome = .created
        }
        let files = CertificateAuthorityFiles(
            certificateFile: certificateFile,
            privateKeyFile: privateKeyFile,
            certificate: issuer.certificate,
            certificateDER: try issuer.certificate.derBytes,
            outcome: outcome
        )
        return (issuer, files)
    }

    /// The CA in the two files when it is a currently valid CA whose key fits and which `parent`
    /// signed (or, without a parent, which signed itself); otherwise `nil`.
    private static func usableAuthority(
        _ certificateFile: String,
        _ privateKeyFile: String,
        signedBy parent: CertificateIssuer?,
        at now: Date
    ) -> CertificateIssuer? {
        guard let certificate = try? PEMFile.certificate(at: certificateFile),
            let key = try? PEMFile.privateKey(at: privateKeyFile),
            key.publicKey == certificate.publicKey,
            certificate.isValid(at: now),
            let constraints = try? certificate.extensions.basicConstraints,
            case .isCertificateAuthority = constraints
        else {
            return nil
        }
        let authority = CertificateIssuer(certificate: certificate, privateKey: key)
        return (parent ?? authority).signed(certificate) ? authority : nil
    }
}
