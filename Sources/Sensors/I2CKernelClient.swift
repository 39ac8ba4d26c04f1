import Wire

/// The kernel driver bound at an I²C address, as sysfs shows it
/// (`/sys/bus/i2c/devices/<bus>-00<address>/`), so that an address i2c-dev refuses with EBUSY
/// can be answered with the `--sensor` that reads the part through that driver (sensor-facts.md
/// §6).
public struct I2CKernelClient: Equatable, Sendable {
    /// The client's `name`: the device type it was bound as (`lm75`, `bme280`).
    public let name: String
    /// `hwmon:lm75` or `iio:bme280`: the kernel source serving the part; nil when the driver
    /// serves neither (or not yet).
    public let option: String?

    public init(name: String, option: String?) {
        self.name = name
        self.option = option
    }

    /// What sysfs says about the client at `address` on `/dev/i2c-<bus>`; nil when there is no
    /// such client (another process holds the address, or sysfs is not there).
    public static func find<Tree: TextSource>(bus: Int, address: I2CAddress, in tree: Tree, root: String = "/sys") -> I2CKernelClient? {
        let directory = root + "/bus/i2c/devices/\(bus)-00" + ASCII.hexadecimalString([address.value])
        guard let name = (try? tree.read(directory + "/name")).map(SysfsText.line), !name.isEmpty else { return nil }
        // hwmon drivers put their device under hwmon/hwmonN; IIO drivers theirs at iio:deviceN.
        for entry in tree.list(directory + "/hwmon") where entry.utf8.starts(with: "hwmon".utf8) {
            if let hwmon = (try? tree.read(directory + "/hwmon/" + entry + "/name")).map(SysfsText.line), !hwmon.isEmpty {
                return I2CKernelClient(name: name, option: "hwmon:" + hwmon)
            }
        }
        for entry in tree.list(directory) where entry.utf8.starts(with: "iio:device".utf8) {
            if let iio = (try? tree.read(directory + "/" + entry + "/name")).map(SysfsText.line), !iio.isEmpty {
                return I2CKernelClient(name: name, option: "iio:" + iio)
            }
        }
        return I2CKernelClient(name: name, option: nil)
    }

    /// `the kernel's lm75 driver serves it: --sensor hwmon:lm75`.
    public var advice: String {
        guard let option else { return "the kernel bound it as \(name), which offers no hwmon or IIO device" }
        return "the kernel's \(name) driver serves it: --sensor \(option)"
    }
}
