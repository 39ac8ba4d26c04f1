/// What the user asked `kelvin` to do.
public enum Command: Equatable, Sendable {
    /// Provision (once) and send readings.
    case run(RunOptions)
    /// Print readings from the sensor; no network.
    case read(count: Int, intervalMilliseconds: Int64)
    case help
    case version
}

/// Everything `kelvin run` needs. Certificate paths and the DPS endpoint have no defaults worth
/// guessing, except the local emulator's, which `make demo` uses.
public struct RunOptions: Equatable, Sendable {
    public var dpsEndpoint: String = "localhost:44300"
    public var idScope: String = "0ne00000001"
    public var certificatePath: String = "device-cert.pem"
    public var keyPath: String = "device-key.pem"
    /// A file holding the key's passphrase; the passphrase itself never goes on the command line.
    public var keyPassphrasePath: String?
    /// CA certificates to trust for the servers; nil trusts the system store.
    public var trustedCAPath: String?
    /// `--proxy`: an HTTP proxy URL, or "none"; nil leaves it to `https_proxy`/`HTTPS_PROXY`.
    public var proxy: String?
    /// Readings to send before exiting; 0 runs until stopped.
    public var count: Int = 0
    public var intervalMilliseconds: Int64 = 10_000
    public var connectTimeoutMilliseconds: Int64 = 10_000
    public var ioTimeoutMilliseconds: Int64 = 15_000
    /// The overall bound on provisioning, polls and retries included.
    public var provisioningTimeoutMilliseconds: Int64 = 120_000

    public init() {}
}
