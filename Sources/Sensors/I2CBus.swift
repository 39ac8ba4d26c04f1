import Wire

/// A 7-bit I²C address. 0x00–0x02 and 0x78–0x7F are reserved by the bus specification, so a
/// sensor can never sit there.
public struct I2CAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let value: UInt8

    public init?(_ value: UInt8) {
        guard value >= 0x03, value <= 0x77 else { return nil }
        self.value = value
    }

    /// `0x76`, as i2cdetect and datasheets write it.
    public var description: String {
        var writer = ByteWriter(capacity: 4)
        writer.append("0x")
        ASCII.appendHexadecimal(value, to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// An I²C bus as the drivers see it: plain transfers, since Sensirion parts need plain reads and
/// the Pi's controller cannot do SMBus block reads (sensor-facts.md §2.7, §3.7). The real one is
/// `/dev/i2c-N` in `Platform`; tests use a scripted bus that records every transfer.
public protocol I2CBus {
    /// Which bus, for messages (`/dev/i2c-1`).
    var name: String { get }
    /// START, address+W, the bytes, STOP.
    mutating func write(_ bytes: [UInt8], to address: I2CAddress) throws(I2CError)
    /// START, address+R, `count` bytes, STOP.
    mutating func read(count: Int, from address: I2CAddress) throws(I2CError) -> [UInt8]
    /// The bytes written, then a repeated START and `count` bytes read, in one transaction
    /// (`I2C_RDWR`): how a register is read.
    mutating func writeThenRead(_ bytes: [UInt8], count: Int, at address: I2CAddress) throws(I2CError) -> [UInt8]
}

/// What went wrong on the bus, in the terms a person can act on (sensor-facts.md §6).
public enum I2CError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `/dev/i2c-N` does not exist: I²C is not enabled, or another bus number.
    case busAbsent(bus: String)
    /// The device node exists but this user may not open it.
    case permissionDenied(bus: String)
    /// Nothing acknowledged the address (`EREMOTEIO`/`ENXIO`, `ENODEV` from `i2c-stub`): wiring,
    /// address, or power.
    case noDevice(bus: String, address: I2CAddress)
    /// A kernel driver owns the address (`EBUSY` from `I2C_SLAVE`): read it through hwmon/IIO.
    case ownedByKernelDriver(bus: String, address: I2CAddress)
    /// The controller gave up (`ETIMEDOUT`), e.g. clock stretching past its limit.
    case timedOut(bus: String, address: I2CAddress)
    /// Any other errno, with its text.
    case failed(bus: String, address: I2CAddress?, errno: Int32, text: String)

    public var description: String {
        switch self {
        case .busAbsent(let bus):
            return "\(bus) does not exist: enable I²C (dtparam=i2c_arm=on in /boot/firmware/config.txt, or raspi-config), reboot, and check the bus number with `ls /dev/i2c-*`"
        case .permissionDenied(let bus):
            return "no permission to open \(bus): add this user to the i2c group (sudo usermod -aG i2c $USER) and log in again"
        case .noDevice(let bus, let address):
            return "no device answered at \(address) on \(bus): check the wiring (SDA, SCL, 3.3 V, GND) and the address — `kelvin scan` lists what answers"
        case .ownedByKernelDriver(let bus, let address):
            return "a kernel driver owns \(address) on \(bus) (a dtoverlay bound it): read it through its hwmon or IIO source instead, or remove the overlay"
        case .timedOut(let bus, let address):
            return "the I²C transfer to \(address) on \(bus) timed out: check the wiring and pull-ups, and lower the bus speed"
        case .failed(let bus, let address, let errno, let text):
            let at = address.map { " to \($0)" } ?? ""
            return "I²C transfer\(at) on \(bus) failed: \(text) (errno \(errno))"
        }
    }
}
