import AzureIoT
import Wire

/// A setting of `kelvin run`, named once: its key in `kelvin.conf`, its variable, its flag and
/// its help all come from its row in `setting`. Cases are in the order `kelvin.conf` documents
/// them, which is the order of the help and of every message that lists settings.
public enum SettingKey: CaseIterable, Equatable, Sendable, CustomStringConvertible {
    case dpsEndpoint, idScope, provisioningTimeout, dpsAPIVersion, provisioningPayload
    case hubAPIVersion, reprovisionInterval, retryCap, roundPause, reprovisionAfter
    case certificate, privateKey, keyProvider, keyPassphraseFile
    case caFile, caDirectory
    case proxy, connectTimeout, ioTimeout
    case interval, count, include, properties, backlogLimit
    case stateDirectory
    case spoolMaximumBytes, spoolSyncEvery
    case sensorType, sensorPowerLine, sensorAlertLine
    case statusLEDLine
    case logLevel

    /// `section.name`, as messages name a setting.
    public var description: String { setting.fileKey }

    /// The table: everything about a setting except how its kind is checked.
    public var setting: Setting {
        switch self {
        case .dpsEndpoint:
            return .text(
                "dps.endpoint", "--dps", "<host[:port]>", .endpoint, help: "DPS endpoint.",
                default: .value(
                    "localhost:44300", note: "the local emulator; Azure: global.azure-devices-provisioning.net")
            ) { $0.dpsEndpoint = $1 }
        case .idScope:
            return .text("dps.id_scope", "--id-scope", "<scope>", help: "DPS ID scope.", default: .value("0ne00000001"))
            { $0.idScope = $1 }
        case .provisioningTimeout:
            return .duration(
                "dps.provisioning_timeout", "--provisioning-timeout", 1...Setting.day,
                help: "Bound on the whole DPS registration.",
                default: .value("120")
            ) { $0.provisioningTimeoutMilliseconds = $1 }
        case .dpsAPIVersion:
            return .text(
                "dps.api_version", "--dps-api-version", "<version>", .apiVersion,
                help: "api-version of the DPS requests.",
                default: .value(ProvisioningSettings.defaultAPIVersion)
            ) { $0.dpsAPIVersion = $1 }
        case .provisioningPayload:
            return .text(
                "dps.payload", "--payload", "<json>", .payload,
                help: "JSON object sent with the registration, for custom allocation."
            ) { $0.provisioningPayload = $1 }
        case .hubAPIVersion:
            return .text(
                "hub.api_version", "--hub-api-version", "<version>", .apiVersion,
                help: "api-version of the hub requests.",
                default: .value(TelemetryChannel.defaultAPIVersion.description)
            ) { $0.hubAPIVersion = $1 }
        case .reprovisionInterval:
            return .duration(
                "hub.reprovision_interval", "--reprovision-interval", 0...Setting.day,
                help: "When the hub rejects the device (deleted, disabled, moved), ask DPS again at most this often.",
                default: .value("300")
            ) { $0.reprovisionIntervalMilliseconds = $1 }
        case .retryCap:
            return .duration(
                "hub.retry_cap", "--retry-cap", 1_000...3_600_000,
                help: "The longest wait between two attempts at the hub; the waits grow from 1 s, with jitter.",
                default: .value("60")
            ) { $0.retryCapMilliseconds = $1 }
        case .roundPause:
            return .duration(
                "hub.round_pause", "--round-pause", 0...Setting.day,
                help: "After 6 failed attempts in a row, the readings wait this long before the next round.",
                default: .value("60")
            ) { $0.roundPauseMilliseconds = $1 }
        case .reprovisionAfter:
            return .integer(
                "hub.reprovision_after", "--reprovision-after", 1...1_000,
                help: "Failed attempts in a row (no answer, 5xx) after which DPS is asked whether the device belongs to"
                    + " another hub now.",
                default: .value("10")
            ) { $0.hubFailuresBeforeReprovisioning = $1 }
        case .certificate:
            return .text(
                "identity.certificate", "--cert", "<file>",
                help: "Device certificate PEM, leaf first, then any intermediates.",
                default: .value("device-cert.pem")
            ) { $0.certificatePath = $1 }
        case .privateKey:
            return .text(
                "identity.key", "--key", "<file|uri>",
                help: "Device private key PEM, optionally encrypted; with --key-provider, the key's URI in the provider.",
                default: .value("device-key.pem")
            ) { $0.keyPath = $1 }
        case .keyProvider:
            return .text(
                "identity.key_provider", "--key-provider", "<name>",
                help:
                    "OpenSSL provider holding the key, loaded at run time: tpm2 (tpm2-openssl), with --key"
                        + " handle:0x81000001 for a TPM persistent handle; the TPM signs, the key never leaves it."
            ) { $0.keyProvider = $1 }
        case .keyPassphraseFile:
            return .text(
                "identity.key_passphrase_file", "--key-passphrase-file", "<file>",
                help: "File holding the key's passphrase (or set " + Configuration.passphraseVariable + ")."
            ) { $0.keyPassphrasePath = $1 }
        case .caFile:
            return .text(
                "tls.ca_file", "--ca-file", "<file>", help: "CA certificates to trust for DPS and the hub.",
                default: .otherwise("the system's trust store")
            ) { $0.trustedCAPath = $1 }
        case .caDirectory:
            return .text(
                "tls.ca_dir", "--ca-dir", "<directory>",
                help: "A directory of CA certificates prepared with `openssl rehash`, instead of or besides --ca-file."
            ) { $0.trustedCADirectory = $1 }
        case .proxy:
            return .text(
                "network.proxy", "--proxy", "<url|none>",
                help: "HTTP proxy to tunnel through with CONNECT, http://[user:password@]host[:port]"
                    + " (port 1080 if not given); none connects directly. Hosts in no_proxy connect directly.",
                default: .otherwise("https_proxy, else HTTPS_PROXY")
            ) { $0.proxy = $1 }
        case .connectTimeout:
            return .duration(
                "network.connect_timeout", "--connect-timeout", 1...Setting.day,
                help: "Bound on each TCP connect and TLS handshake.",
                default: .value("10")
            ) { $0.connectTimeoutMilliseconds = $1 }
        case .ioTimeout:
            return .duration(
                "network.io_timeout", "--io-timeout", 1...Setting.day, help: "Bound on each read and write.",
                default: .value("15")
            ) { $0.ioTimeoutMilliseconds = $1 }
        case .interval:
            return .duration(
                "telemetry.interval", "--interval", 1...Setting.day, help: "Time between readings.",
                default: .value("10")
            ) { $0.intervalMilliseconds = $1 }
        case .count:
            return .integer(
                "telemetry.count", "--count", 0...1_000_000_000,
                help: "Readings to send, then exit; 0 runs until stopped.",
                default: .value("0")
            ) { $0.count = $1 }
        case .include:
            return .list(
                "telemetry.include", "--include", "<list>", .include,
                help:
                    "Also send humidity and/or pressure when the sensor has them: humidity, pressure or"
                        + " humidity,pressure."
            ) { options, names in
                options.includeHumidity = names.contains { ASCII.equals($0, "humidity") }
                options.includePressure = names.contains { ASCII.equals($0, "pressure") }
            }
        case .properties:
            return .list(
                "telemetry.properties", "--property", "<name=value>", .properties,
                help:
                    "Application property sent with every message (repeatable); letters, digits and ! # $ % &"
                        + " ' * + - . ^ _ ` | ~ only."
            ) { $0.properties = $1 }
        case .backlogLimit:
            return .integer(
                "telemetry.backlog_limit", "--backlog-limit", 1...1_000_000,
                help:
                    "Readings held in memory while the hub is unreachable when there is no spool; with one,"
                        + " the spool's byte bound holds the backlog. Past it the oldest give way; a backlog goes"
                        + " in batches.",
                default: .value("4096")
            ) { $0.backlogLimit = $1 }
        case .stateDirectory:
            return .text(
                "state.directory", "--state-dir", "<directory>",
                help:
                    "Where the DPS assignment is kept between runs; it is reused while the certificate, ID"
                        + " scope and DPS endpoint match.",
                default: .otherwise("$STATE_DIRECTORY, else /var/lib/kelvin")
            ) { $0.stateDirectory = $1 }
        case .spoolMaximumBytes:
            return .integer(
                "spool.max_bytes", "--spool-max-bytes", 4096...(1 << 30),
                help: "Bound on the spool file of unsent readings in the state directory; past it the oldest give way.",
                default: .value("1048576")
            ) { $0.spoolMaximumBytes = $1 }
        case .spoolSyncEvery:
            return .integer(
                "spool.sync_every", "--spool-sync-every", 0...1_000_000,
                help: "Sync the spool to the card after every n readings; 1 after each, 0 never (less SD-card wear).",
                default: .value("10")
            ) { $0.spoolSyncEvery = $1 }
        case .sensorType:
            return Setting(
                fileKey: "sensor.type", flag: "--sensor", placeholder: "<sensor>", kind: .sensor,
                help:
                    "simulated; an I²C part: bme280, bmp280, sht3x, sht4x, tmp117, tmp102, mcp9808 or lm75,"
                        + " with @BUS and :ADDRESS if not the default (bme280@1:0x77); a kernel source:"
                        + " hwmon:NAME[:CHANNEL], iio:NAME (e.g. iio:dht11), thermal[:TYPE] (the CPU), or ds18b20[:ID].",
                defaultValue: .value("simulated")
            ) { options, value in
                if case .sensor(let spec) = value { options.sensor.spec = spec }
            }
        case .sensorPowerLine:
            return .text(
                "sensor.power_line", "--sensor-power", "<line>",
                help:
                    "GPIO line (e.g. GPIO17) switching the sensor's supply, to power-cycle it after repeated"
                        + " bus errors."
            ) { $0.sensor.powerLine = $1 }
        case .sensorAlertLine:
            return .text(
                "sensor.alert_line", "--alert", "<line>",
                help: "GPIO line wired to the sensor's alert output; an edge takes a reading at once."
            ) { $0.sensor.alertLine = $1 }
        case .statusLEDLine:
            return .text(
                "status.led_line", "--status-led", "<line>",
                help:
                    "GPIO line with a status LED: slow blink while provisioning, a blip per delivered"
                        + " reading, fast blink on trouble."
            ) { $0.statusLEDLine = $1 }
        case .logLevel:
            return .text(
                "log.level", "--log-level", "<level>", .logLevel,
                help: "The least important lines logged to stderr: error, warning, info or debug.",
                default: .value("info")
            ) { $0.logLevel = LogLevel(name: $1) ?? .info }
        }
    }
}

/// What a setting is when nothing sets it, as the help shows it.
public enum SettingDefault: Sendable {
    /// Text the setting takes that gives `RunOptions()`'s value (a test holds the two together),
    /// with a remark after it in the help.
    case value(String, note: String? = nil)
    /// Unset in `RunOptions()`; what is used instead.
    case otherwise(String)
    /// Unset, and nothing is used instead.
    case none
}
