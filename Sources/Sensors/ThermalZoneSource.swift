import Wire

/// A kernel thermal zone: `/sys/class/thermal/thermal_zone*/` whose `type` file says `type`,
/// read from `temp` (m°C). Every Pi has `cpu-thermal`, so this is the sensor that needs no
/// wiring (sensor-facts.md §6).
///
/// The zone is looked up by type on every read rather than assumed to be `thermal_zone0`:
/// zone numbers follow probe order, and boards with more zones number them differently.
public struct ThermalZoneSource<Tree: TextSource> {
    public var tree: Tree
    /// The zone's type, as `cat /sys/class/thermal/thermal_zone*/type` prints it.
    public var type: String
    /// Where sysfs is mounted: "/sys", or a fixture tree's root in tests.
    public var root: String
    /// Decimals the readings are good for: the SoC sensor is accurate to a few degrees, so 1.
    public var fractionDigits: Int

    public init(tree: Tree, type: String = "cpu-thermal", root: String = "/sys", fractionDigits: Int = 1) {
        self.tree = tree
        self.type = type
        self.root = root
        self.fractionDigits = fractionDigits
    }

    /// Reads the zone's temperature.
    /// - Throws: `SensorError.source` when no zone has type `type` (listing the types there
    ///   are) or its `temp` is not a number; `.notReady` when the driver could not read it.
    public func read() throws(SensorError) -> SensorSample {
        let zones = SysfsDevices(directory: root + "/class/thermal", prefix: "thermal_zone", identityFile: "type", kind: "thermal zone")
        let zone = try zones.find(type, in: tree, setup: nil)
        let temperature = try SysfsText.integer(zone + "/temp", in: tree)
        return SensorSample(temperature: Millidegrees(temperature), fractionDigits: fractionDigits)
    }
}
