import Foundation

/// The openssl CLI as an independent reader of the generated files.
enum OpenSSL {
    static func run(_ arguments: [String]) throws -> ToolRun {
        try ExternalTool.run("openssl", arguments)
    }

    /// The SubjectPublicKeyInfo PEM of the certificate in `certificateFile`.
    static func publicKey(ofCertificate certificateFile: String) throws -> String {
        try run(["x509", "-in", certificateFile, "-noout", "-pubkey"]).standardOutput
    }

    /// The SubjectPublicKeyInfo PEM of the key in `privateKeyFile`, opened with the passphrase in
    /// `passphraseFile` when given; empty when openssl cannot open the key.
    static func publicKey(ofPrivateKey privateKeyFile: String, passphraseFile: String? = nil) throws -> String {
        let passphrase = passphraseFile.map { ["-passin", "file:\($0)"] } ?? []
        return try run(["pkey", "-in", privateKeyFile, "-pubout"] + passphrase).standardOutput
    }

    /// What `openssl x509 -noout -subject -ext extendedKeyUsage` prints.
    static func subjectAndExtendedKeyUsage(_ certificateFile: String) throws -> String {
        try run(["x509", "-in", certificateFile, "-noout", "-subject", "-ext", "extendedKeyUsage"]).standardOutput
    }
}
