import AzureIoT
import Sensors

/// What the user asked `kelvin` to do.
public enum Command: Equatable, Sendable {
    /// Provision (once) and send readings, with the options `Configuration` resolves.
    case run(ConfigurationRequest)
    /// Provision (reusing a valid saved assignment unless `force`), print the assignment, exit.
    case provision(ConfigurationRequest, force: Bool)
    /// Print readings from the sensor; no network. The sensor comes from the configuration.
    case read(ReadOptions, configuration: ConfigurationRequest)
    /// List what answers on an I²C bus and name the sensors it recognises.
    case scan(bus: Int)
    /// Identity, assignment and sensor, from the files alone.
    case status(ConfigurationRequest)
    /// Every precondition of a run, one ✔/✘ line each.
    case check(ConfigurationRequest)
    /// Send readings straight to a hub, without DPS: a bench tool and the benchmark's client.
    case send(SendOptions)
    /// Make a key held by hardware, or a certificate request for the configured key.
    case key(KeyCommand)
    case help
    case version
}

/// What the command line says about the configuration: the file to read and the settings given
/// as flags, already checked. Reading the file is left to the executable, as the core does no I/O.
public struct ConfigurationRequest: Equatable, Sendable {
    public var path: String = Configuration.defaultPath
    /// True when `--config` named the file, which then must exist; the default may be absent.
    public var isExplicit = false
    public var flags: [SettingInput] = []

    public init() {}
}

/// Everything `kelvin run` needs. Certificate paths and the DPS endpoint have no defaults worth
/// guessing, except the local emulator's, which `make demo` uses.
public struct RunOptions: Equatable, Sendable {
    public var dpsEndpoint: String = "localhost:44300"
    public var idScope: String = "0ne00000001"
    public var certificatePath: String = "device-cert.pem"
    public var keyPath: String = "device-key.pem"
    /// The OpenSSL provider holding the key (`tpm2`); `keyPath` is then the key's URI in it.
    public var keyProvider: String?
    /// A file holding the key's passphrase; the passphrase itself never goes on the command line.
    public var keyPassphrasePath: String?
    /// CA certificates to trust for the servers; with no directory either, the system store.
    public var trustedCAPath: String?
    /// A hashed directory of CA certificates (`openssl rehash`), as `/etc/ssl/certs` is.
    public var trustedCADirectory: String?
    /// `--proxy`: an HTTP proxy URL, or "none"; nil leaves it to `https_proxy`/`HTTPS_PROXY`.
    public var proxy: String?
    /// Readings to send before exiting; 0 runs until stopped.
    public var count: Int = 0
    public var intervalMilliseconds: Int64 = 10_000
    public var connectTimeoutMilliseconds: Int64 = 10_000
    public var ioTimeoutMilliseconds: Int64 = 15_000
    /// The overall bound on provisioning, polls and retries included.
    public var provisioningTimeoutMilliseconds: Int64 = 120_000
    /// Where the assignment is kept between runs; nil: `$STATE_DIRECTORY` (set by systemd's
    /// `StateDirectory=`), else `/var/lib/kelvin`.
    public var stateDirectory: String?
    public var dpsAPIVersion: String = ProvisioningSettings.defaultAPIVersion
    public var hubAPIVersion: String = TelemetryChannel.defaultAPIVersion.description
    /// JSON object sent with the registration, for custom allocation.
    public var provisioningPayload: String?
    /// `NAME=VALUE` application properties sent with every message.
    public var properties: [String] = []
    /// Send humidity and pressure too, when the sensor has them.
    public var includeHumidity = false
    public var includePressure = false
    /// DPS is asked again at most this often when the hub rejects the device.
    public var reprovisionIntervalMilliseconds: Int64 = 300_000
    /// The longest backoff wait at the hub.
    public var retryCapMilliseconds: Int64 = 60_000
    /// The wait after a round of attempts at the hub failed.
    public var roundPauseMilliseconds: Int64 = 60_000
    /// Failed hub attempts in a row before DPS is asked again.
    public var hubFailuresBeforeReprovisioning = 10
    /// Readings held in memory while the hub cannot be reached; past it, the oldest give way.
    public var backlogLimit: Int = 4_096
    /// The spool file never grows past this many bytes; past it, the oldest readings give way.
    public var spoolMaximumBytes: Int = 1 << 20
    /// Sync the spool to the medium after every this many readings: 1 after each (no reading
    /// lost to a power cut, the most SD-card wear), 0 never (the kernel writes back within
    /// about 30 s).
    public var spoolSyncEvery: Int = 10
    /// The sensor, and how to reach and power it.
    public var sensor = SensorOptions()
    /// A GPIO line name with a status LED: slow blink provisioning, a blip per delivery, fast
    /// blink on trouble.
    public var statusLEDLine: String?
    /// The least important log lines written to stderr.
    public var logLevel: LogLevel = .info

    public init() {}
}

/// Everything `kelvin send` needs: the identity and timeouts as for `run`, and the hub and
/// device ID that DPS would otherwise have given.
public struct SendOptions: Equatable, Sendable {
    /// Certificate, key, passphrase, CA and timeouts; its DPS settings are unused.
    public var connection = RunOptions()
    public var hubEndpoint: String = ""
    /// Nil sends as the certificate's CN, which is the device ID for group enrollments.
    public var deviceID: String?
    public var count: Int = 1
    public var intervalMilliseconds: Int64 = 0
    /// Close the connection after every reading, so each costs a (resumed) handshake: for
    /// measuring reconnects.
    public var reconnectEach = false

    public init() {}
}

/// Which sensor to read and the GPIO line that powers it, shared by `run` and `read`.
public struct SensorOptions: Equatable, Sendable {
    public var spec: SensorSpec = .simulated(SimulatedSensor.Settings())
    /// A GPIO line name (e.g. `GPIO17`) that switches the sensor's supply, for power-cycling it
    /// after repeated bus errors; nil when none is wired.
    public var powerLine: String?
    /// A GPIO line name wired to the sensor's alert output: an edge takes a reading at once.
    public var alertLine: String?

    public init() {}
}

/// Everything `kelvin read` needs.
public struct ReadOptions: Equatable, Sendable {
    public var sensor = SensorOptions()
    public var count: Int = 1
    public var intervalMilliseconds: Int64 = 1_000

    public init() {}
}
