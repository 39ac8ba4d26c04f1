extension RunOptions {
    /// The settings a reload (SIGHUP) cannot change, each with how to put back the running
    /// value: they shape what was opened or reserved at start — the sensor and its GPIO lines,
    /// the status LED, the state directory and its spool, the backlog's reserved memory, the
    /// fields each reading has, a bounded run's count. Everything else (DPS, hub, identity, TLS,
    /// network, interval, properties, log level) a reload applies.
    private static let restartOnly: [(key: String, keep: @Sendable (inout RunOptions, RunOptions) -> Void)] = [
        ("sensor.type", { $0.sensor.spec = $1.sensor.spec }),
        ("sensor.power_line", { $0.sensor.powerLine = $1.sensor.powerLine }),
        ("sensor.alert_line", { $0.sensor.alertLine = $1.sensor.alertLine }),
        ("status.led_line", { $0.statusLEDLine = $1.statusLEDLine }),
        ("state.directory", { $0.stateDirectory = $1.stateDirectory }),
        ("spool.max_bytes", { $0.spoolMaximumBytes = $1.spoolMaximumBytes }),
        ("spool.sync_every", { $0.spoolSyncEvery = $1.spoolSyncEvery }),
        ("telemetry.backlog_limit", { $0.backlogLimit = $1.backlogLimit }),
        ("telemetry.include", {
            $0.includeHumidity = $1.includeHumidity
            $0.includePressure = $1.includePressure
        }),
        ("telemetry.count", { $0.count = $1.count }),
    ]

    /// The keys of the restart-only settings that differ from `running`.
    public func keysNeedingRestart(comparedWith running: RunOptions) -> [String] {
        Self.restartOnly.compactMap { setting in
            var kept = self
            setting.keep(&kept, running)
            return kept == self ? nil : setting.key
        }
    }

    /// These options with the restart-only settings put back as `running` has them.
    public mutating func keepRestartOnlySettings(of running: RunOptions) {
        for setting in Self.restartOnly { setting.keep(&self, running) }
    }
}
