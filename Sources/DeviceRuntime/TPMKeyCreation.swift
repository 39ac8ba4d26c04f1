import Agent
import HTTPSClient
import Platform

/// `kelvin key create --tpm`: an EC P-256 signing key generated inside the TPM and persisted at
/// a handle, so that it survives reboots and is found again by `--key handle:…`.
///
/// tpm2-openssl 1.1 can generate a key in the TPM but cannot persist one (it has no
/// EvictControl), so the work goes to tpm2-tools, the TPM's own command-line tools. The files
/// they pass between them (a parent's and the key's context, the key's TPM-wrapped private part,
/// usable only by this TPM) live in a private directory removed at the end.
struct TPMKeyCreation {
    let handle: String

    /// The key's attributes: made inside the TPM and never exportable (fixedtpm, fixedparent,
    /// sensitivedataorigin), a signing key that is not restricted to TPM-made data.
    static let attributes = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign|noda"

    func run() throws(Fatal) {
        let uri = "handle:" + handle
        let provider = DeviceKeyLocation.tpmProvider
        if let existing = try probe(uri, provider) {
            throw Fatal(
                message: "the TPM already holds a key (\(existing)) at \(uri); use it (kelvin key csr --key-provider tpm2 --key \(uri) …),"
                    + " choose another --handle, or free it with tpm2_evictcontrol -C o -c \(handle)",
                exitCode: .configuration
            )
        }
        let directory = (Environment.value("TMPDIR") ?? "/tmp") + "/kelvin-key-\(Process.id)"
        do {
            try Files.createDirectory(directory, permissions: 0o700)
        } catch {
            throw Fatal(message: "\(error); set TMPDIR to a writable directory", exitCode: .failure)
        }
        let files = ["parent.ctx", "key.pub", "key.priv", "key.ctx"].map { directory + "/" + $0 }
        defer {
            for file in files { try? Files.remove(file) }
            try? Directory.remove(directory)
        }
        let (parent, publicPart, privatePart, context) = (files[0], files[1], files[2], files[3])
        // Without a resource manager (a socket TPM, /dev/tpm0) transient objects stay loaded
        // after each tool exits, and a TPM has few slots: each step flushes them.
        let flush = ["tpm2_flushcontext", "--transient-object"]
        try step(["tpm2_createprimary", "--hierarchy", "o", "--key-context", parent])
        try step(flush)
        try step([
            "tpm2_create", "--parent-context", parent, "--key-algorithm", "ecc256", "--attributes", Self.attributes,
            "--public", publicPart, "--private", privatePart,
        ])
        try step(flush)
        try step(["tpm2_load", "--parent-context", parent, "--public", publicPart, "--private", privatePart, "--key-context", context])
        try step(["tpm2_evictcontrol", "--hierarchy", "o", "--object-context", context, handle])
        try step(flush)
        guard let made = try probe(uri, provider) else {
            throw Fatal(message: "tpm2_evictcontrol reported success, but no key answers at \(uri); check tpm2_getcap handles-persistent", exitCode: .failure)
        }
        Console.print("created a key (\(made)) inside the TPM, persisted at \(uri); it signs, and it cannot leave the TPM")
        Console.print("next: kelvin key csr --key-provider tpm2 --key \(uri) --registration-id ID --out device.csr")
    }

    private func probe(_ uri: String, _ provider: String) throws(Fatal) -> String? {
        do {
            return try ProviderKey.probe(uri, provider: provider)
        } catch {
            throw Fatal(message: error.description, exitCode: DeviceIdentity.exitCode(for: error))
        }
    }

    /// One tpm2-tools command, pointed at the TPM the provider uses when only its variable is set.
    private func step(_ arguments: [String]) throws(Fatal) {
        var command = arguments
        if Environment.value("TPM2TOOLS_TCTI") == nil, let tcti = Environment.value("TPM2OPENSSL_TCTI") {
            command.insert("--tcti=" + tcti, at: 1)
        }
        switch ChildProcess.run(command, quiet: true) {
        case .exited(0):
            return
        case .exited(let status):
            throw Fatal(message: "\(arguments[0]) failed (exit \(status)) making the TPM key; its reason is above", exitCode: .unavailable)
        case .notStarted(let error):
            let fix = error == .noSuchFile ? "install tpm2-tools (apt-get install tpm2-tools)" : "check PATH"
            throw Fatal(message: "cannot run \(arguments[0]): \(error); kelvin key create --tpm persists the key with tpm2-tools: \(fix)", exitCode: .unavailable)
        }
    }
}
