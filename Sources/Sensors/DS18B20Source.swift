import Wire

/// A DS18B20 on 1-Wire through the kernel's `w1_therm` driver (`dtoverlay=w1-gpio`):
/// `/sys/bus/w1/devices/28-<id>/w1_slave`, whose two lines are the scratchpad just read with the
/// kernel's CRC verdict, then the temperature (sensor-facts.md §4.2):
///
///     72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
///     72 01 4b 46 7f ff 0e 10 57 t=23125
///
/// Each read makes the sensor convert, which takes up to 750 ms at 12 bits.
public struct DS18B20Source<Tree: TextSource> {
    public var tree: Tree
    /// The device directory (`28-0316a2796aff`, or without the `28-`); nil takes the only
    /// DS18B20 present.
    public var id: String?
    /// Where sysfs is mounted: "/sys", or a fixture tree's root in tests.
    public var root: String

    public init(tree: Tree, id: String? = nil, root: String = "/sys") {
        self.tree = tree
        self.id = id
        self.root = root
    }

    /// The DS18B20s present, as their directory names (`28-…`).
    public func devices() -> [String] {
        tree.list(devicesDirectory)
            .filter { $0.utf8.starts(with: "28-".utf8) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Reads the temperature (3 decimals: the kernel prints whole m°C of the sensor's exact
    /// 1/16 °C steps).
    /// - Throws: `SensorError.source` when the sensor is not there (or several are and no `id`
    ///   says which), `.checksumMismatch` when the kernel's CRC check failed, `.implausible` for
    ///   the power-on value, an all-zero or all-ones scratchpad, or a value out of range.
    public func read() throws(SensorError) -> SensorSample {
        let device = try chooseDevice()
        let path = devicesDirectory + "/" + device + "/w1_slave"
        let value = try Self.parse(try tree.read(path), sensor: "DS18B20 " + device, path: path)
        return SensorSample(temperature: Millidegrees(value), fractionDigits: 3)
    }

    private var devicesDirectory: String { root + "/bus/w1/devices" }

    private func chooseDevice() throws(SensorError) -> String {
        let present = devices()
        let listed = present.joined(separator: ", ")
        guard let id else {
            if present.count == 1 { return present[0] }
            if present.isEmpty {
                throw .source(path: devicesDirectory, detail: "no DS18B20 (28-*) is present: enable 1-Wire (dtoverlay=w1-gpio, or w1-gpio-pi5 on a Pi 5, in config.txt), reboot, and check the wiring and the 4.7 kΩ pull-up")
            }
            throw .source(path: devicesDirectory, detail: "several DS18B20s are present (\(listed)): choose one by its id")
        }
        let wanted = id.utf8.starts(with: "28-".utf8) ? id : "28-" + id
        guard present.contains(where: { $0.utf8.elementsEqual(wanted.utf8) }) else {
            let there = present.isEmpty ? "none is present" : "present: \(listed)"
            throw .source(path: devicesDirectory, detail: "no DS18B20 \(wanted); \(there); check the id and the wiring")
        }
        return wanted
    }

    /// The temperature in m°C from the text of `w1_slave`, or why it must not be used
    /// (sensor-facts.md §4.3).
    static func parse(_ bytes: [UInt8], sensor: String, path: String) throws(SensorError) -> Int32 {
        // Newer kernels return nothing at all when the CRC fails.
        guard !bytes.isEmpty else {
            throw .checksumMismatch(sensor: sensor, detail: "the kernel returned an empty read after a failed CRC")
        }
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        guard lines.count == 2, let verdict = lines[0].split(separator: UInt8(ascii: " ")).last,
              let scratchpad = scratchpad(lines[0]),
              let field = lines[1].split(separator: UInt8(ascii: " ")).last, field.starts(with: "t=".utf8),
              let value = ASCII.parseDecimal(field.dropFirst(2), as: Int32.self)
        else {
            throw .source(path: path, detail: "not the two lines of a w1_slave file (\"… : crc=xx YES\", \"… t=23125\"); is this a DS18B20?")
        }
        // Older kernels still print t= after a failed CRC, computed from the failed read.
        guard ASCII.equals(verdict, "YES") else {
            throw .checksumMismatch(sensor: sensor, detail: "the kernel's CRC check said \(PrintableText.escaped(verdict))")
        }
        // Eight zero bytes have CRC 0, so a data line held low passes the check.
        if scratchpad.allSatisfy({ $0 == 0x00 }) || scratchpad.allSatisfy({ $0 == 0xFF }) {
            throw .implausible(sensor: sensor, detail: "the scratchpad is all 0x\(ASCII.hexadecimalString([scratchpad[0]])): the data line is stuck; check the wiring and the pull-up")
        }
        // 85 °C with the reserved byte 6 at its reset value 0x0C is the power-on register, not a
        // measurement (the kernel's own test in w1_therm.c); a real 85.000 °C has 0x10 there.
        if value == 85_000, scratchpad[6] == 0x0C {
            throw .implausible(sensor: sensor, detail: "85 °C is the power-on value: the sensor did not convert; check its power (parasite power needs a strong pull-up)")
        }
        guard value >= -55_000, value <= 125_000 else {
            throw .implausible(sensor: sensor, detail: "t=\(value) is outside the DS18B20's -55…125 °C (127937 means too little power)")
        }
        return value
    }

    /// The nine bytes before " : crc=", nil unless they are nine two-digit hex numbers.
    private static func scratchpad(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        let fields = line.split(separator: UInt8(ascii: " "))
        guard fields.count >= 9 else { return nil }
        var bytes: [UInt8] = []
        for field in fields.prefix(9) {
            guard field.count == 2, let byte = ASCII.parseHexadecimal(field) else { return nil }
            bytes.append(UInt8(byte))
        }
        return bytes
    }
}
