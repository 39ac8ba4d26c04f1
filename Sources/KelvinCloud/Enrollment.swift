/// An individual X.509 enrollment: which certificate may register under which registration ID,
/// and the device ID the hub will know it by.
public struct Enrollment: Sendable, Equatable {
    public var registrationID: String
    /// Defaults to the registration ID; an individual enrollment may choose another.
    public var deviceID: String
    /// SHA-256 of the enrolled certificate's DER encoding.
    public var thumbprint: CertificateThumbprint

    public init(registrationID: String, deviceID: String? = nil, thumbprint: CertificateThumbprint) {
        self.registrationID = registrationID
        self.deviceID = deviceID ?? registrationID
        self.thumbprint = thumbprint
    }

    /// Enrolls the first certificate in a PEM file under an explicit registration ID.
    ///
    /// - Throws: ``IdentityFileError`` when the file is missing or holds no readable certificate.
    public init(registrationID: String, deviceID: String? = nil, certificatePEMFile: String) throws {
        let certificate = try PEMFile.leafCertificate(at: certificatePEMFile)
        self.init(registrationID: registrationID, deviceID: deviceID, thumbprint: certificate.thumbprint)
    }

    /// Enrolls the first certificate in a PEM file under its subject CN, as DPS requires for X.509.
    ///
    /// - Throws: ``IdentityFileError`` when the file is missing, holds no readable certificate, or
    ///   the certificate has no CN (``IdentityFileError/noCommonName(path:)``).
    public init(certificatePEMFile: String, deviceID: String? = nil) throws {
        let certificate = try PEMFile.leafCertificate(at: certificatePEMFile)
        guard let commonName = certificate.commonName else {
            throw IdentityFileError.noCommonName(path: certificatePEMFile)
        }
        self.init(registrationID: commonName, deviceID: deviceID, thumbprint: certificate.thumbprint)
    }
}
