import Foundation
import SwiftASN1

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
