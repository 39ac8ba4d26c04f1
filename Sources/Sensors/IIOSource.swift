import Wire

/// A sensor the kernel serves through IIO: `/sys/bus/iio/devices/iio:device*/` whose `name` file
/// says `name` (sensor-facts.md §5.2, §6). The temperature is `in_temp_input` (m°C) where the
/// driver computes it (dht11, bmp280) or `(in_temp_raw + in_temp_offset) × in_temp_scale` where
/// it does not (tmp117); humidity (`in_humidityrelative_input`, m%RH) and pressure
/// (`in_pressure_input`, kPa) are read when the device has them.
///
/// This is the recommended way to read a DHT11/DHT22: the kernel's `dht11` driver times the
/// pulses in the kernel (`dtoverlay=dht11,gpiopin=4`).
public struct IIOSource<Tree: TextSource> {
    public var tree: Tree
    /// The IIO device name: `dht11`, `bme280`, `bmp280`, `tmp117`.
    public var name: String
    /// Where sysfs is mounted: "/sys", or a fixture tree's root in tests.
    public var root: String
    /// Decimals the temperature is good for; nil picks: 1 for `dht11`, else 3 when the driver
    /// gives raw counts finer than 0.01 °C (tmp117's 7.8125 m°C), else 2.
    public var fractionDigits: Int?

    public init(tree: Tree, name: String, root: String = "/sys", fractionDigits: Int? = nil) {
        self.tree = tree
        self.name = name
        self.root = root
        self.fractionDigits = fractionDigits
    }

    /// Reads every channel the device has.
    /// - Throws: `SensorError.source` when no IIO device is named `name` (listing those that
    ///   are), it has no temperature channel, or a file holds something other than a number;
    ///   `.notReady` when the driver could not get a value this time, which for a DHT is common;
    ///   `.implausible` when raw × scale overflows.
    public func read() throws(SensorError) -> SensorSample {
        let devices = SysfsDevices(directory: root + "/bus/iio/devices", prefix: "iio:device", identityFile: "name", kind: "IIO device")
        let device = try devices.find(name, in: tree, setup: "bind the sensor with a dtoverlay (e.g. dtoverlay=dht11,gpiopin=4 or dtoverlay=i2c-sensor,tmp117) and reboot")
        do {
            let (temperature, rawStep) = try readTemperature(in: device)
            var sample = SensorSample(temperature: temperature, fractionDigits: fractionDigits ?? defaultFractionDigits(rawStep: rawStep))
            if SysfsText.exists("in_humidityrelative_input", in: device, of: tree) {
                let millipercent = try SysfsText.integer(device + "/in_humidityrelative_input", in: tree)
                // The dht11 driver reports whole tenths of a percent at best.
                sample.humidity = RelativeHumidity(millipercent: millipercent, fractionDigits: isDHT ? 1 : 2)
            }
            if SysfsText.exists("in_pressure_input", in: device, of: tree) {
                sample.pressure = try readPressure(device + "/in_pressure_input")
            }
            return sample
        } catch {
            guard case .notReady = error, isDHT else { throw error }
            // EIO/ETIMEDOUT from dht11 is the driver losing the sensor's reply, which is routine.
            throw .notReady(sensor: "DHT11/DHT22 (\(device))", detail: "the DHT sensor did not answer; reads fail often, the next one usually works (wait at least 2 s)")
        }
    }

    private var isDHT: Bool { ASCII.equals(name.utf8, "dht11") }

    /// The temperature, and the size of one raw count when the driver gives raw counts.
    private func readTemperature(in device: String) throws(SensorError) -> (Millidegrees, DecimalText.Value?) {
        if SysfsText.exists("in_temp_input", in: device, of: tree) {
            return (Millidegrees(try SysfsText.integer(device + "/in_temp_input", in: tree)), nil)
        }
        guard SysfsText.exists("in_temp_raw", in: device, of: tree), SysfsText.exists("in_temp_scale", in: device, of: tree) else {
            throw .source(path: device, detail: "\(name) has neither in_temp_input nor in_temp_raw with in_temp_scale; `ls \(device)` shows the channels it has")
        }
        let raw = DecimalText.Value(significand: Int64(try SysfsText.integer(device + "/in_temp_raw", in: tree)))
        let scale = try SysfsText.decimal(device + "/in_temp_scale", in: tree)
        var offset = DecimalText.Value(significand: 0)
        if SysfsText.exists("in_temp_offset", in: device, of: tree) {
            offset = try SysfsText.decimal(device + "/in_temp_offset", in: tree)
        }
        return (try Self.millidegrees(raw: raw, offset: offset, scale: scale, device: device), scale)
    }

    /// `(raw + offset) × scale` m°C (sysfs-bus-iio: the offset is added before scaling), exact
    /// in decimal and rounded once, half away from zero, to whole m°C: tmp117's 3 × 7.8125 =
    /// 23.4375 m°C is 23 m°C.
    static func millidegrees(raw: DecimalText.Value, offset: DecimalText.Value, scale: DecimalText.Value, device: String) throws(SensorError) -> Millidegrees {
        guard let value = raw.adding(offset)?.multiplied(by: scale)?.rounded(toFractionDigits: 0),
              let narrow = Int32(exactly: value)
        else {
            throw .implausible(sensor: device, detail: "(raw + offset) × scale does not fit in m°C; check in_temp_raw, in_temp_offset and in_temp_scale")
        }
        return Millidegrees(narrow)
    }

    /// `in_pressure_input` is kPa with up to nine decimals ("101.325000000"); a pascal is its
    /// third decimal.
    private func readPressure(_ path: String) throws(SensorError) -> Pressure {
        let kilopascals = try SysfsText.decimal(path, in: tree)
        guard let pascals = kilopascals.rounded(toFractionDigits: 3), let narrow = Int32(exactly: pascals) else {
            throw .source(path: path, detail: "pressure out of range; is this the right file?")
        }
        return Pressure(pascals: narrow)
    }

    private func defaultFractionDigits(rawStep: DecimalText.Value?) -> Int {
        if isDHT { return 1 }
        guard let step = rawStep else { return 2 }
        // A count finer than 10 m°C is worth a third decimal.
        return (step.rounded(toFractionDigits: 0).map { $0.magnitude < 10 } ?? false) ? 3 : 2
    }
}
