import Foundation
import SwiftASN1
import X509

/// What `pki sign` wrote: a device certificate for a key the emulator never saw (one held in a
/// TPM), issued under the chain's intermediate CA.
public struct SignedRequestFiles: Sendable, Equatable {
    /// The leaf, then the intermediate: what the device sends to a group enrollment.
    public var certificateFile: String
    public var registrationID: String
    public var thumbprint: CertificateThumbprint
    public var authorities: DeviceCertificateAuthorities
}

/// Why a certificate signing request was refused, naming the file and the fix.
public enum CertificateRequestProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case notARequest(path: String, reason: String)
    case badSignature(path: String)
    case noCommonName(path: String)
    case invalidRegistrationID(path: String, commonName: String)

    public var description: String {
        switch self {
        case .notARequest(let path, let reason):
            return "\(path): not a PEM CERTIFICATE REQUEST (\(reason)); make one with kelvin key csr or openssl req -new"
        case .badSignature(let path):
            return "\(path): the request's signature does not verify with its own public key; make it again with the device's key"
        case .noCommonName(let path):
            return "\(path): the request's subject has no CN; DPS takes the CN as the registration ID (kelvin key csr --registration-id ID)"
        case .invalidRegistrationID(let path, let commonName):
            return "\(path): the CN '\(commonName)' is not a DPS registration ID: use letters, digits and - . _ : (ending in a"
                + " letter, digit or -), at most \(RegistrationID.maximumLength)"
        }
    }
}

extension TestIdentity {
    /// Issues a device certificate for the key in the request at `requestFile`, after checking
    /// the request's self-signature (the requester holds the key) and that its CN can be a
    /// registration ID. The CAs are made or reused in `directory` as
    /// ``createCertificateAuthorities(in:validity:)`` does; `outputFile` gets the leaf then the
    /// intermediate. The request's own extensions are not copied: the leaf gets the same
    /// extensions `pki chain` gives a device.
    ///
    /// - Throws: ``CertificateRequestProblem``, ``IdentityFileError``, or an error from
    ///   swift-certificates if signing fails.
    public static func signRequest(
        at requestFile: String,
        writingTo outputFile: String,
        in directory: String,
        validity: CertificateValidity = .days(30)
    ) throws -> SignedRequestFiles {
        let request = try certificateRequest(at: requestFile)
        guard let commonName = request.subject.commonName else { throw CertificateRequestProblem.noCommonName(path: requestFile) }
        guard RegistrationID.isValid(commonName) else {
            throw CertificateRequestProblem.invalidRegistrationID(path: requestFile, commonName: commonName)
        }
        let authorities = try certificateAuthorities(in: directory, validity: .days(3650))
        let certificate = try authorities.intermediate.issueLeaf(
            subject: try DistinguishedName { CommonName(commonName) },
            publicKey: request.publicKey,
            usage: .clientAuth,
            validity: validity
        )
        try PEMFile.write(
            try certificate.pemText + authorities.intermediate.certificate.pemText, to: outputFile, isSecret: false)
        return SignedRequestFiles(
            certificateFile: outputFile,
            registrationID: commonName,
            thumbprint: CertificateThumbprint(certificateDER: try certificate.derBytes),
            authorities: authorities.files
        )
    }

    /// The request in a PEM file, its self-signature checked.
    static func certificateRequest(at path: String) throws -> CertificateSigningRequest {
        let text = try PEMFile.text(at: path)
        let request: CertificateSigningRequest
        do {
            request = try CertificateSigningRequest(pemEncoded: text)
        } catch {
            throw CertificateRequestProblem.notARequest(path: path, reason: String(describing: error))
        }
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw CertificateRequestProblem.badSignature(path: path)
        }
        return request
    }
}
