/// An individual X.509 enrollment: which certificate may register under which registration ID,
/// and the device ID the hub will know it by.
///
/// The certificate may be self-signed or CA-signed; a CA-signed one additionally needs a chain to
/// a verified uploaded CA, as at DPS (protocol facts §4.2).
public struct Enrollment: Sendable, Equatable {
    public var registrationID: String
    /// Defaults to the registration ID; an individual enrollment may choose another.
    public var deviceID: String
    /// SHA-256 of the enrolled certificate's DER encoding.
    public var thumbprint: CertificateThumbprint
    public var allocation: AllocationSettings

    public init(
        registrationID: String,
        deviceID: String? = nil,
        thumbprint: CertificateThumbprint,
        allocation: AllocationSettings = AllocationSettings()
    ) {
        self.registrationID = registrationID
        self.deviceID = deviceID ?? registrationID
        self.thumbprint = thumbprint
        self.allocation = allocation
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

    public var isEnabled: Bool {
        get { allocation.isEnabled }
        set { allocation.isEnabled = newValue }
    }
}

/// An enrollment group: every device whose chain passes through the group's CA certificate, by
/// its CN (protocol facts §4.2). The hub device ID is the CN.
public struct EnrollmentGroup: Sendable, Equatable {
    public var groupID: String
    /// Name of the uploaded ``CertificateAuthority`` (root or intermediate) the group is bound to.
    public var certificateAuthorityName: String
    public var allocation: AllocationSettings

    public init(groupID: String, certificateAuthorityName: String, allocation: AllocationSettings = AllocationSettings()) {
        self.groupID = groupID
        self.certificateAuthorityName = certificateAuthorityName
        self.allocation = allocation
    }

    public var isEnabled: Bool {
        get { allocation.isEnabled }
        set { allocation.isEnabled = newValue }
    }
}

/// What individual enrollments and groups share: whether they may register, where their devices
/// go, and what happens when a registered device registers again.
public struct AllocationSettings: Sendable, Equatable {
    /// A disabled enrollment answers `"status":"disabled"` (protocol facts §0.1).
    public var isEnabled: Bool
    /// The linked hubs (by ``HubConfiguration/name``) devices may be assigned to; empty means all,
    /// evenly weighted, as DPS's default allocation policy.
    public var hubNames: [String]
    public var reprovisionPolicy: ReprovisionPolicy
    /// When set, every registration ends `"failed"` with this in `registrationState` (an HTTP 200),
    /// the shape DPS gives when a custom-allocation webhook fails.
    public var allocationFailure: AllocationFailure?

    public init(
        isEnabled: Bool = true,
        hubNames: [String] = [],
        reprovisionPolicy: ReprovisionPolicy = .migrateData,
        allocationFailure: AllocationFailure? = nil
    ) {
        self.isEnabled = isEnabled
        self.hubNames = hubNames
        self.reprovisionPolicy = reprovisionPolicy
        self.allocationFailure = allocationFailure
    }
}

/// The enrollment's reprovisioning policy (protocol facts §6).
public enum ReprovisionPolicy: String, Sendable, Equatable, CaseIterable {
    /// Move to the new hub, `substatus` `deviceDataMigrated` (the DPS default).
    case migrateData
    /// Move to the new hub, `substatus` `deviceDataReset`.
    case resetData
    /// Stay on the hub first assigned.
    case never
}

/// A terminal "failed" registration result carried in an HTTP 200 body.
public struct AllocationFailure: Sendable, Equatable {
    public var errorCode: Int
    public var errorMessage: String

    public init(errorCode: Int, errorMessage: String) {
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }

    /// What DPS reports when the custom allocation webhook answers 400.
    public static let customAllocationFailed = AllocationFailure(
        errorCode: 400207,
        errorMessage: "Custom allocation failed with status code: 400"
    )
}
