import Agent
import HTTPSClient
import Platform

/// `kelvin key csr`: a certificate signing request for the configured key, CN = the
/// registration ID, signed inside the provider that holds the key.
struct KeyRequest {
    let options: KeyRequestOptions

    func run() throws(Fatal) {
        let runOptions = try RunOptionsLoader.load(options.configuration)
        guard case .provider(let provider, let uri) = try DeviceIdentity.keyLocation(runOptions) else {
            throw Fatal(
                message: "kelvin key csr signs with a key held by a provider (--key-provider tpm2 --key handle:0x81000001);"
                    + " for the key file \(runOptions.keyPath) use openssl req -new -key \(runOptions.keyPath) -subj /CN=\(options.registrationID)",
                exitCode: .usage
            )
        }
        do {
            try ProviderKey.writeRequest(uri: uri, provider: provider, commonName: options.registrationID, to: options.outputPath)
        } catch {
            throw Fatal(message: error.description, exitCode: DeviceIdentity.exitCode(for: error))
        }
        Console.print("wrote \(options.outputPath): CN=\(options.registrationID), signed by \(uri) in the provider \(provider)")
        Console.print("next: have a CA sign it (kelvin-cloud pki sign --csr \(options.outputPath), or your own CA), then enroll the CA or the certificate in DPS")
    }
}
