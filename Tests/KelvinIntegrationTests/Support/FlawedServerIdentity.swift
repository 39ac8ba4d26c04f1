import Foundation
import SwiftASN1
import X509

@testable import KelvinCloud

/// What is wrong with a server certificate made for a test, each the cause of one `TLSError`.
enum ServerCertificateFlaw: CaseIterable, Sendable {
    /// Its validity ended yesterday.
    case expired
    /// Its validity starts tomorrow, as every certificate looks to a board that booted in 1970.
    case notYetValid
    /// It names `other.example` only, not `localhost` or `127.0.0.1`.
    case otherHostName
    /// A CA the client was not told to trust signed it.
    case unknownCA
}

/// A server identity like ``TestIdentity/createServerIdentity(in:)``'s, made with the same
/// issuer, but with one flaw. `caCertificateFile` is always the CA the client is given to trust.
enum FlawedServerIdentity {
    static func create(in directory: String, flaw: ServerCertificateFlaw) throws -> ServerIdentityFiles {
        try PEMFile.createDirectory(directory)
        let now = Date()
        let trusted = try authority("Kelvin Test Trusted CA", now: now)
        let signer = flaw == .unknownCA ? try authority("Kelvin Test Unknown CA", now: now) : trusted
        let day: TimeInterval = 86_400
        let validity: CertificateValidity
        switch flaw {
        case .expired: validity = CertificateValidity(notBefore: now - 30 * day, notAfter: now - day)
        case .notYetValid: validity = CertificateValidity(notBefore: now + day, notAfter: now + 30 * day)
        case .otherHostName, .unknownCA: validity = .days(30, from: now)
        }
        let hostName = flaw == .otherHostName ? "other.example" : "localhost"
        var names: [GeneralName] = [.dnsName(hostName)]
        if flaw != .otherHostName {
            names.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        }
        let key = try GeneratedPrivateKey(.ecP256)
        let leaf = try signer.issueLeaf(
            subject: try DistinguishedName { CommonName(hostName) },
            publicKey: key.publicKey,
            usage: .serverAuth,
            alternativeNames: SubjectAlternativeNames(names),
            validity: validity
        )
        let files = ServerIdentityFiles(
            caCertificateFile: TestIdentity.path(directory, TestIdentity.serverCAFileName),
            certificateFile: TestIdentity.path(directory, TestIdentity.serverCertificateFileName),
            privateKeyFile: TestIdentity.path(directory, TestIdentity.serverPrivateKeyFileName),
            outcome: .created
        )
        try PEMFile.write(try key.pemText(passphrase: nil), to: files.privateKeyFile, isSecret: true)
        try PEMFile.write(try leaf.pemText, to: files.certificateFile, isSecret: false)
        try PEMFile.write(try trusted.certificate.pemText, to: files.caCertificateFile, isSecret: false)
        return files
    }

    private static func authority(_ commonName: String, now: Date) throws -> CertificateIssuer {
        try CertificateIssuer.selfSignedAuthority(
            name: try DistinguishedName {
                OrganizationName("Kelvin")
                CommonName(commonName)
            },
            key: try GeneratedPrivateKey(.ecP256).certificateKey,
            maxPathLength: 0,
            validity: .days(30, from: now)
        )
    }
}
