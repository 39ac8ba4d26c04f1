import Foundation
import X509

/// The JSON shapes of enrollments, groups and CAs, shared by the setup file and the admin API so
/// that what one accepts the other accepts too.
enum EnrollmentJSON {
    /// Where `certificateFile` paths are resolved; `nil` where files are not accepted (admin API).
    typealias BaseDirectory = String?

    static func individualEnrollment(
        _ fields: JSONFields,
        registrationID pathRegistrationID: String? = nil,
        relativeTo base: BaseDirectory
    ) throws(JSONFieldError) -> Enrollment {
        try fields.rejectUnknown(
            allowed: Set(["registrationId", "certificate", "certificateFile", "thumbprint", "deviceId"]).union(allocationKeys)
        )
        let certificate = try optionalCertificate(fields, relativeTo: base)
        let thumbprint: CertificateThumbprint
        if let certificate {
            thumbprint = certificate.thumbprint
        } else if let hex = try fields.string("thumbprint") {
            guard let parsed = CertificateThumbprint(hex: hex) else {
                throw JSONFieldError("\(fields.context): \"thumbprint\" must be 64 hex digits (SHA-256)")
            }
            thumbprint = parsed
        } else {
            throw JSONFieldError("\(fields.context): give \"certificate\" (PEM), \"certificateFile\" or \"thumbprint\"")
        }
        var registrationID = pathRegistrationID
        if registrationID == nil {
            registrationID = try fields.string("registrationId")
        }
        guard let registrationID = registrationID ?? certificate?.subject.commonName else {
            throw JSONFieldError("\(fields.context): \"registrationId\" is required when the certificate has no CN")
        }
        guard RegistrationID.isValid(registrationID) else {
            throw JSONFieldError(
                "\(fields.context): \"\(registrationID)\" is not a valid registration ID "
                    + "(letters, digits, - . _ :, at most 128, ending in a letter, digit or -)"
            )
        }
        return Enrollment(
            registrationID: registrationID,
            deviceID: try fields.string("deviceId"),
            thumbprint: thumbprint,
            allocation: try allocation(fields)
        )
    }

    static func group(
        _ fields: JSONFields,
        groupID pathGroupID: String? = nil,
        knownAuthorities: [CertificateAuthority]
    ) throws(JSONFieldError) -> EnrollmentGroup {
        try fields.rejectUnknown(allowed: Set(["groupId", "certificateAuthority"]).union(allocationKeys))
        let groupID: String
        if let pathGroupID {
            groupID = pathGroupID
        } else {
            groupID = try fields.requiredString("groupId")
        }
        let authority = try fields.requiredString("certificateAuthority")
        guard knownAuthorities.contains(where: { $0.name == authority }) else {
            let known = knownAuthorities.isEmpty ? "none" : knownAuthorities.map(\.name).joined(separator: ", ")
            throw JSONFieldError(
                "\(fields.context): \"certificateAuthority\" names \"\(authority)\", which has not been uploaded "
                    + "(uploaded: \(known)); upload that CA first"
            )
        }
        return EnrollmentGroup(groupID: groupID, certificateAuthorityName: authority, allocation: try allocation(fields))
    }

    static func certificateAuthority(
        _ fields: JSONFields,
        name pathName: String? = nil,
        relativeTo base: BaseDirectory
    ) throws(JSONFieldError) -> CertificateAuthority {
        try fields.rejectUnknown(allowed: ["name", "certificate", "certificateFile", "verified"])
        let name: String
        if let pathName {
            name = pathName
        } else {
            name = try fields.requiredString("name")
        }
        guard let certificate = try optionalCertificate(fields, relativeTo: base) else {
            throw JSONFieldError("\(fields.context): give \"certificate\" (PEM) or \"certificateFile\"")
        }
        guard certificate.isCertificateAuthority else {
            throw JSONFieldError("\(fields.context): the certificate is not a CA certificate (BasicConstraints CA:TRUE)")
        }
        return CertificateAuthority(name: name, certificate: certificate, isVerified: try fields.bool("verified") ?? true)
    }

    static let allocationKeys: Set<String> = ["enabled", "hubs", "reprovisionPolicy", "allocationFailure"]

    private static func allocation(_ fields: JSONFields) throws(JSONFieldError) -> AllocationSettings {
        var settings = AllocationSettings()
        settings.isEnabled = try fields.bool("enabled") ?? true
        settings.hubNames = try fields.strings("hubs") ?? []
        if let policy = try fields.string("reprovisionPolicy") {
            guard let parsed = ReprovisionPolicy(rawValue: policy) else {
                throw JSONFieldError(
                    "\(fields.context): \"reprovisionPolicy\" must be one of "
                        + ReprovisionPolicy.allCases.map(\.rawValue).joined(separator: ", ")
                )
            }
            settings.reprovisionPolicy = parsed
        }
        if let failure = fields.object["allocationFailure"] {
            let failureFields = try JSONFields(failure, context: "\(fields.context) allocationFailure")
            try failureFields.rejectUnknown(allowed: ["errorCode", "errorMessage"])
            settings.allocationFailure = AllocationFailure(
                errorCode: try failureFields.integer("errorCode", in: 100_000...599_999) ?? 400207,
                errorMessage: try failureFields.string("errorMessage") ?? "Custom allocation failed with status code: 400"
            )
        }
        return settings
    }

    private static func optionalCertificate(
        _ fields: JSONFields,
        relativeTo base: BaseDirectory
    ) throws(JSONFieldError) -> Certificate? {
        if let pem = try fields.string("certificate") {
            do {
                return try CertificateText.firstCertificate(in: pem)
            } catch {
                throw JSONFieldError("\(fields.context): \"certificate\": \(error.reason)")
            }
        }
        guard let file = try fields.string("certificateFile") else { return nil }
        guard let base else {
            throw JSONFieldError("\(fields.context): \"certificateFile\" is not accepted here; send the PEM as \"certificate\"")
        }
        let path = file.hasPrefix("/") ? file : (base as NSString).appendingPathComponent(file)
        do {
            let der = try PEMFile.certificates(at: path)[0]
            return try Certificate(derEncoded: der)
        } catch {
            throw JSONFieldError("\(fields.context): \"certificateFile\": \(error)")
        }
    }

    // MARK: - Rendering

    static func render(_ enrollment: Enrollment) -> JSONValue {
        .object(
            [
                ("registrationId", .string(enrollment.registrationID)),
                ("deviceId", .string(enrollment.deviceID)),
                ("thumbprint", .string(enrollment.thumbprint.hex)),
            ] + render(enrollment.allocation)
        )
    }

    static func render(_ group: EnrollmentGroup) -> JSONValue {
        .object(
            [
                ("groupId", .string(group.groupID)),
                ("certificateAuthority", .string(group.certificateAuthorityName)),
            ] + render(group.allocation)
        )
    }

    static func render(_ authority: CertificateAuthority) -> JSONValue {
        .object([
            ("name", .string(authority.name)),
            ("subject", .string("\(authority.certificate.subject)")),
            ("thumbprint", .string(authority.thumbprint.hex)),
            ("verified", .bool(authority.isVerified)),
        ])
    }

    private static func render(_ allocation: AllocationSettings) -> [(key: String, value: JSONValue)] {
        var fields: [(key: String, value: JSONValue)] = [
            ("enabled", .bool(allocation.isEnabled)),
            ("hubs", .array(allocation.hubNames.map(JSONValue.string))),
            ("reprovisionPolicy", .string(allocation.reprovisionPolicy.rawValue)),
        ]
        if let failure = allocation.allocationFailure {
            fields.append(
                (
                    "allocationFailure",
                    .object([("errorCode", .integer(failure.errorCode)), ("errorMessage", .string(failure.errorMessage))])
                )
            )
        }
        return fields
    }
}
