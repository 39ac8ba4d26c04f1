import Agent
import AzureIoT
import Platform
import Sensors

/// A sensor the kernel already drives (hwmon, IIO, a thermal zone, a DS18B20 on 1-Wire), read
/// from sysfs: no bus code, and the kernel's driver has precedence anyway (sensor-facts.md §6).
struct KernelReadings: ReadingSource {
    let spec: SensorSpec
    let fields: ReadingFields
    private let tree = FileTree()

    init(spec: SensorSpec, fields: ReadingFields) {
        self.spec = spec
        self.fields = fields
    }

    /// One read up front, so a missing device is reported before anything else; a sensor that
    /// is only not ready (a DHT's checksum, say) is not a reason to stop.
    mutating func check() throws(Fatal) {
        do {
            _ = try sample()
        } catch {
            if case .notReady = error {
                Log.warning(error.description)
                return
            }
            throw Fatal(message: error.description, exitCode: .unavailable)
        }
    }

    mutating func read(sequence: Int, takenAtMilliseconds: Int64) throws(SensorError) -> Reading? {
        fields.reading(try sample(), sequence: sequence, takenAtMilliseconds: takenAtMilliseconds)
    }

    private func sample() throws(SensorError) -> SensorSample {
        switch spec {
        case .hwmon(let name, let channel): return try HwmonSource(tree: tree, name: name, channel: channel).read()
        case .iio(let name): return try IIOSource(tree: tree, name: name).read()
        case .thermal(let type): return try ThermalZoneSource(tree: tree, type: type).read()
        case .ds18b20(let id): return try DS18B20Source(tree: tree, id: id).read()
        case .simulated, .i2c: throw .source(path: "--sensor", detail: "\(spec) is not a kernel source (a bug in Kelvin)")
        }
    }
}
