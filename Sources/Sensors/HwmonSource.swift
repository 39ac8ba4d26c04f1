import Wire

/// A sensor the kernel serves through hwmon: `/sys/class/hwmon/hwmon*/` whose `name` file says
/// `name`, read from `temp<channel>_input` (m°C) and, where the device has it,
/// `humidity1_input` (m%RH). Covers the CPU (`cpu_thermal`), a DS18B20 through `w1_slave_temp`
/// (whose reads fail on a CRC error instead of printing a bad value, sensor-facts.md §4.2) and
/// the kernel's lm75/tmp102/jc42/sht3x/sht4x drivers once an overlay binds them.
///
/// The device is looked up on every read: hwmonN numbers follow probe order, so they change
/// between boots and when a module is reloaded (sensor-facts.md §6).
public struct HwmonSource<Tree: TextSource> {
    public var tree: Tree
    /// The driver's name, as `cat /sys/class/hwmon/hwmon*/name` prints it.
    public var name: String
    /// N in `temp<N>_input`; 1 for every single-sensor chip.
    public var channel: Int
    /// Where sysfs is mounted: "/sys", or a fixture tree's root in tests.
    public var root: String
    /// Decimals the readings are good for.
    public var fractionDigits: Int

    /// - Parameter fractionDigits: nil picks by driver: 3 for `w1_slave_temp` (a DS18B20's
    ///   exact 1/16 °C steps), 2 for the 0.0625 °C-or-finer chips (tmp102, jc42, sht3x, sht4x),
    ///   1 otherwise (the CPU sensor and lm75 step in 0.5 °C or coarser).
    public init(tree: Tree, name: String, channel: Int = 1, root: String = "/sys", fractionDigits: Int? = nil) {
        self.tree = tree
        self.name = name
        self.channel = channel
        self.root = root
        self.fractionDigits = fractionDigits ?? Self.defaultFractionDigits(name)
    }

    /// Reads the temperature, and the humidity where the device has it.
    /// - Throws: `SensorError.source` when no hwmon device is named `name` (listing those that
    ///   are) or it has no such channel; `.notReady` when the driver could not reach the sensor.
    public func read() throws(SensorError) -> SensorSample {
        let classes = SysfsDevices(directory: root + "/class/hwmon", prefix: "hwmon", identityFile: "name", kind: "hwmon device")
        let device = try classes.find(name, in: tree, setup: "bind the sensor's driver with a dtoverlay (e.g. dtoverlay=i2c-sensor,lm75) and reboot")
        let temperatureFile = "temp" + ASCII.decimalString(channel) + "_input"
        guard SysfsText.exists(temperatureFile, in: device, of: tree) else {
            throw .source(path: device, detail: "\(name) has no \(temperatureFile); `ls \(device)` shows the channels it has")
        }
        let temperature = try SysfsText.integer(device + "/" + temperatureFile, in: tree)
        var humidity: RelativeHumidity?
        if SysfsText.exists("humidity1_input", in: device, of: tree) {
            humidity = RelativeHumidity(millipercent: try SysfsText.integer(device + "/humidity1_input", in: tree), fractionDigits: 2)
        }
        return SensorSample(temperature: Millidegrees(temperature), fractionDigits: fractionDigits, humidity: humidity)
    }

    static func defaultFractionDigits(_ name: String) -> Int {
        if ASCII.equals(name.utf8, "w1_slave_temp") { return 3 }
        for fine: StaticString in ["tmp102", "jc42", "sht3x", "sht4x"] where ASCII.equals(name.utf8, fine) {
            return 2
        }
        return 1
    }
}
