import Wire

extension RunOptions {
    /// The settings a reload (SIGHUP) cannot change, each with how to tell the reloaded value
    /// from the running one and how to put the running one back: they shape what was opened or
    /// reserved at start — the sensor and its GPIO lines, the status LED, the state directory and
    /// its spool, the backlog's reserved memory, the fields each reading has, a bounded run's
    /// count. Everything else (DPS, hub, identity, TLS, network, interval, properties, log level)
    /// a reload applies.
    private static let restartOnly: [RestartOnlySetting] = [
        RestartOnlySetting(
            .sensorType, differs: { $0.sensor.spec != $1.sensor.spec }, keep: { $0.sensor.spec = $1.sensor.spec }),
        RestartOnlySetting(
            .sensorPowerLine, differs: { !ASCII.equals($0.sensor.powerLine, $1.sensor.powerLine) },
            keep: { $0.sensor.powerLine = $1.sensor.powerLine }
        ),
        RestartOnlySetting(
            .sensorAlertLine, differs: { !ASCII.equals($0.sensor.alertLine, $1.sensor.alertLine) },
            keep: { $0.sensor.alertLine = $1.sensor.alertLine }
        ),
        RestartOnlySetting(
            .statusLEDLine, differs: { !ASCII.equals($0.statusLEDLine, $1.statusLEDLine) },
            keep: { $0.statusLEDLine = $1.statusLEDLine }
        ),
        RestartOnlySetting(
            .stateDirectory, differs: { !ASCII.equals($0.stateDirectory, $1.stateDirectory) },
            keep: { $0.stateDirectory = $1.stateDirectory }
        ),
        RestartOnlySetting(
            .spoolMaximumBytes, differs: { $0.spoolMaximumBytes != $1.spoolMaximumBytes },
            keep: { $0.spoolMaximumBytes = $1.spoolMaximumBytes }
        ),
        RestartOnlySetting(
            .spoolSyncEvery, differs: { $0.spoolSyncEvery != $1.spoolSyncEvery },
            keep: { $0.spoolSyncEvery = $1.spoolSyncEvery }),
        RestartOnlySetting(
            .backlogLimit, differs: { $0.backlogLimit != $1.backlogLimit },
            keep: { $0.backlogLimit = $1.backlogLimit }),
        RestartOnlySetting(
            .include,
            differs: { $0.includeHumidity != $1.includeHumidity || $0.includePressure != $1.includePressure },
            keep: {
                $0.includeHumidity = $1.includeHumidity
                $0.includePressure = $1.includePressure
            }
        ),
        RestartOnlySetting(.count, differs: { $0.count != $1.count }, keep: { $0.count = $1.count }),
    ]

    /// The restart-only settings that differ from `running`, in the order listed above.
    public func keysNeedingRestart(comparedWith running: RunOptions) -> [SettingKey] {
        Self.restartOnly.compactMap { setting in setting.differs(self, running) ? setting.key : nil }
    }

    /// These options with the restart-only settings put back as `running` has them.
    public mutating func keepRestartOnlySettings(of running: RunOptions) {
        for setting in Self.restartOnly { setting.keep(&self, running) }
    }
}

/// A setting a reload leaves as it was. Compared field by field rather than as whole options,
/// whose `==` would compare every string by Unicode rules.
private struct RestartOnlySetting: Sendable {
    let key: SettingKey
    let differs: @Sendable (RunOptions, RunOptions) -> Bool
    let keep: @Sendable (inout RunOptions, RunOptions) -> Void

    init(
        _ key: SettingKey,
        differs: @escaping @Sendable (RunOptions, RunOptions) -> Bool,
        keep: @escaping @Sendable (inout RunOptions, RunOptions) -> Void
    ) {
        self.key = key
        self.differs = differs
        self.keep = keep
    }
}
