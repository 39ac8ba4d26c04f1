import FleetSimulation

/// The limits as the table's heading states them.
enum FleetLimitsText {
    static let registrations = "\(FleetLimits.registrationsPerMinute) device registrations/min per service unit"
    static let polls = "\(FleetLimits.pollsPerDevice) polls per \(FleetLimits.pollWindowMilliseconds / 1000) s per device"
}
