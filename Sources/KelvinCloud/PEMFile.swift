import Foundation
import SwiftASN1
import X509

/// Reading and writing the PEM files the emulator and its tests exchange with curl and the device.
enum PEMFile {
    /// - Throws: ``IdentityFileError/missing(path:)`` or ``IdentityFileError/unreadable(path:reason:)``.
    static func text(at path: String) throws(IdentityFileError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path: path) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    /// The DER bytes of every CERTIFICATE block, in file order (leaf first for a chain file).
    ///
    /// - Throws: the ``text(at:)`` errors, or ``IdentityFileError/noCertificate(path:)``.
    static func certificates(at path: String) throws(IdentityFileError) -> [[UInt8]] {
        let contents = try text(at: path)
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: contents)
        } catch {
            throw .noCertificate(path: path)
        }
        let certificates = documents.filter { $0.discriminator == "CERTIFICATE" }.map(\.derBytes)
        guard !certificates.isEmpty else { throw .noCertificate(path: path) }
        return certificates
    }

    /// The first certificate in the file, described for enrollment and authorization.
    ///
    /// - Throws: the ``certificates(at:)`` errors, or ``IdentityFileError/invalidCertificate(path:reason:)``.
    static func leafCertificate(at path: String) throws(IdentityFileError) -> PresentedCertificate {
        let leaf = try certificates(at: path)[0]
        do {
            return try PresentedCertificate(derBytes: leaf)
        } catch {
            throw .invalidCertificate(path: path, reason: String(describing: error))
        }
    }

    /// The first certificate in the file, parsed.
    ///
    /// - Throws: the ``certificates(at:)`` errors, or ``IdentityFileError/invalidCertificate(path:reason:)``.
    static func certificate(at path: String) throws(IdentityFileError) -> Certificate {
        let first = try certificates(at: path)[0]
        do {
            return try Certificate(derEncoded: first)
        } catch {
            throw .invalidCertificate(path: path, reason: String(describing: error))
        }
    }

    /// The private key in the file, opened with `passphrase` when it is an `ENCRYPTED PRIVATE KEY`.
    ///
    /// A plain key is refused when a passphrase is given, because the caller asked for an
    /// encrypted one and must not take this one for it.
    ///
    /// - Throws: the ``text(at:)`` errors, ``IdentityFileError/noPrivateKey(path:)``, or
    ///   ``IdentityFileError/invalidPrivateKey(path:reason:)`` (also for a wrong or missing passphrase).
    static func privateKey(at path: String, passphrase: [UInt8]? = nil) throws(IdentityFileError) -> Certificate.PrivateKey {
        let contents = try text(at: path)
        let documents = (try? PEMDocument.parseMultiple(pemString: contents)) ?? []
        guard let document = documents.first(where: { $0.discriminator.hasSuffix("PRIVATE KEY") }) else {
            throw .noPrivateKey(path: path)
        }
        let isEncrypted = document.discriminator == EncryptedPrivateKeyPEM.pemDiscriminator
        switch (isEncrypted, passphrase) {
        case (true, nil):
            throw .invalidPrivateKey(path: path, reason: "it is encrypted and no passphrase was given")
        case (false, .some):
            throw .invalidPrivateKey(path: path, reason: "it is not encrypted, but a passphrase was given")
        case (true, .some(let passphrase)):
            do {
                return try Certificate.PrivateKey(
                    derBytes: try EncryptedPrivateKeyPEM.decrypt(document, passphrase: passphrase)
                )
            } catch {
                throw .invalidPrivateKey(path: path, reason: String(describing: error))
            }
        case (false, nil):
            do {
                return try Certificate.PrivateKey(pemDocument: document)
            } catch {
                throw .invalidPrivateKey(path: path, reason: String(describing: error))
            }
        }
    }

    /// Writes atomically so that a reader never sees half a file; keys are readable by the owner only.
    ///
    /// - Throws: ``IdentityFileError/unwritable(path:reason:)``.
    static func write(_ text: String, to path: String, isSecret: Bool) throws(IdentityFileError) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            if isSecret {
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            }
        } catch {
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
    }

    /// - Throws: ``IdentityFileError/unwritable(path:reason:)``.
    static func createDirectory(_ path: String) throws(IdentityFileError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
    }
}
