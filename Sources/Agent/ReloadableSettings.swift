extension RunOptions {
    /// The keys of the settings that differ from `running` and that a reload (SIGHUP) cannot
    /// change: they shape what was opened or reserved at start — the sensor and its GPIO lines,
    /// the status LED, the state directory and its spool, the backlog's reserved memory, the
    /// fields each reading has, a bounded run's count. Everything else (DPS, hub, identity,
    /// TLS, network, interval, properties, log level) a reload applies.
    public func keysNeedingRestart(comparedWith running: RunOptions) -> [String] {
        var keys: [String] = []
        if sensor.spec != running.sensor.spec { keys.append("sensor.type") }
        if sensor.powerLine != running.sensor.powerLine { keys.append("sensor.power_line") }
        if sensor.alertLine != running.sensor.alertLine { keys.append("sensor.alert_line") }
        if statusLEDLine != running.statusLEDLine { keys.append("status.led_line") }
        if stateDirectory != running.stateDirectory { keys.append("state.directory") }
        if spoolMaximumBytes != running.spoolMaximumBytes { keys.append("spool.max_bytes") }
        if spoolSyncEvery != running.spoolSyncEvery { keys.append("spool.sync_every") }
        if backlogLimit != running.backlogLimit { keys.append("telemetry.backlog_limit") }
        if includeHumidity != running.includeHumidity || includePressure != running.includePressure {
            keys.append("telemetry.include")
        }
        if count != running.count { keys.append("telemetry.count") }
        return keys
    }

    /// These options with the restart-only settings put back as `running` has them.
    public mutating func keepRestartOnlySettings(of running: RunOptions) {
        sensor = running.sensor
        statusLEDLine = running.statusLEDLine
        stateDirectory = running.stateDirectory
        spoolMaximumBytes = running.spoolMaximumBytes
        spoolSyncEvery = running.spoolSyncEvery
        backlogLimit = running.backlogLimit
        includeHumidity = running.includeHumidity
        includePressure = running.includePressure
        count = running.count
    }
}
