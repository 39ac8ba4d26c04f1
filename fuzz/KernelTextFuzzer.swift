@testable import Sensors
import Wire

/// The `kernel-text` target: what the kernel sources read from sysfs — a DS18B20's `w1_slave`
/// (`DS18B20Source.parse`), hwmon and thermal-zone integers, and an IIO device's raw, offset,
/// scale, humidity and pressure files (`DecimalText`, `IIOSource`).
///
/// Input: byte 0 picks which optional IIO files exist; the rest is five file contents
/// separated by 0xFF: `w1_slave`, then `in_temp_raw` (also `temp1_input` and `temp`),
/// `in_temp_scale`, `in_temp_offset`, `in_pressure_input` (also `in_humidityrelative_input`).
///
/// A DS18B20 value is within the part's -55…125 °C and only from a `YES` line; a number read is
/// the same with or without the kernel's trailing newline, and a decimal written back reads as
/// itself (decode → encode → decode); the IIO temperature is `(raw + offset) × scale` rounded
/// half away from zero, checked against 128-bit arithmetic; hwmon and thermal give the file's
/// integer.
enum KernelTextTarget {
    struct Tree: TextSource {
        var files: [String: [UInt8]]

        func read(_ path: String) throws(SensorError) -> [UInt8] {
            guard let bytes = files[path] else { throw .source(path: path, detail: "does not exist") }
            return bytes
        }

        func list(_ directory: String) -> [String] {
            var names: [String] = []
            for path in files.keys where path.utf8.starts(with: (directory + "/").utf8) {
                let rest = path.utf8.dropFirst(directory.utf8.count + 1)
                let name = String(decoding: rest.prefix { $0 != UInt8(ascii: "/") }, as: UTF8.self)
                if !names.contains(where: { ASCII.equals($0, name) }) { names.append(name) }
            }
            return names
        }
    }

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let control = input.byte()
        let files = texts(input.rest(), count: 5)
        checkW1Slave(files[0])
        for file in files {
            checkNumbers(file)
        }
        checkIIO(files, control: control)
        checkHwmonAndThermal(files[1], humidity: files[4])
    }

    static func checkW1Slave(_ text: [UInt8]) {
        let value: Int32
        do {
            value = try DS18B20Source<Tree>.parse(text, sensor: "DS18B20 28-0316a2796aff", path: "w1_slave")
        } catch {
            return invariant(isOneCleanLine(error.description), "the error \(Array(error.description.utf8)) is not one clean line")
        }
        invariant((-55_000...125_000).contains(value), "DS18B20 value \(value) m°C outside the part's range")
        invariant(text.split(separator: 0x0A).first.map { $0.split(separator: 0x20).last.map { ASCII.equals($0, "YES") } ?? false } ?? false,
                  "a value from a w1_slave whose CRC line does not end in YES")
        let bare = text.last == 0x0A ? Array(text.dropLast()) : text
        // Only one trailing newline is the kernel's; a second is a different text.
        guard bare.last != 0x0A else { return }
        invariant((try? DS18B20Source<Tree>.parse(bare, sensor: "DS18B20", path: "w1_slave"))
                  == (try? DS18B20Source<Tree>.parse(bare + [0x0A], sensor: "DS18B20", path: "w1_slave")),
                  "the trailing newline changed the w1_slave reading")
    }

    static func checkNumbers(_ text: [UInt8]) {
        // The kernel ends a value with one newline; with or without it the value is the same.
        let bare = text.last == 0x0A ? Array(text.dropLast()) : text
        // Only one trailing newline is the kernel's; a second is a different text.
        if bare.last != 0x0A {
            invariant(DecimalText.integer(bare) == DecimalText.integer(bare + [0x0A]), "the trailing newline changed the integer \(bare)")
            invariant(DecimalText.decimal(bare) == DecimalText.decimal(bare + [0x0A]), "the trailing newline changed the decimal \(bare)")
        }
        if let value = DecimalText.decimal(text) {
            invariant(DecimalText.decimal(written(value)) == value, "\(value) written as \(String(decoding: written(value), as: UTF8.self)) reads otherwise")
            if let integer = DecimalText.integer(text) {
                invariant(value == DecimalText.Value(significand: integer), "the integer \(integer) reads as the decimal \(value)")
            }
        }
    }

    /// The kernel's way of printing a decimal: sign, whole part, point, every fraction digit.
    static func written(_ value: DecimalText.Value) -> [UInt8] {
        let magnitude = value.significand.magnitude
        var digits = Array(String(magnitude).utf8)
        if value.fractionDigits > 0 {
            while digits.count <= value.fractionDigits { digits.insert(UInt8(ascii: "0"), at: 0) }
            digits.insert(UInt8(ascii: "."), at: digits.count - value.fractionDigits)
        }
        return (value.significand < 0 ? [UInt8(ascii: "-")] : []) + digits + [0x0A]
    }

    static func checkIIO(_ files: [[UInt8]], control: UInt8) {
        let device = "/sys/bus/iio/devices/iio:device0"
        var tree = Tree(files: [device + "/name": utf8("tmp117\n"), device + "/in_temp_raw": files[1], device + "/in_temp_scale": files[2]])
        if control & 1 != 0 { tree.files[device + "/in_temp_offset"] = files[3] }
        if control & 2 != 0 { tree.files[device + "/in_pressure_input"] = files[4] }
        if control & 4 != 0 { tree.files[device + "/in_humidityrelative_input"] = files[4] }
        let sample: SensorSample
        do {
            sample = try IIOSource(tree: tree, name: "tmp117").read()
        } catch {
            return invariant(isOneCleanLine(error.description), "the error \(Array(error.description.utf8)) is not one clean line")
        }
        guard let raw = DecimalText.integer(files[1]), let scale = DecimalText.decimal(files[2]) else {
            return invariant(false, "IIO read raw \(files[1]) and scale \(files[2]) that are not numbers")
        }
        let offset = control & 1 != 0 ? DecimalText.decimal(files[3]) : DecimalText.Value(significand: 0)
        if let offset, let expected = roundedProduct(raw: raw, offset: offset, scale: scale) {
            invariant(Int128(sample.temperature.value) == expected,
                      "(\(raw) + \(offset)) × \(scale) read as \(sample.temperature.value) m°C, exactly rounded \(expected)")
        }
        if control & 2 != 0, let kilopascals = DecimalText.decimal(files[4]), let expected = rounded(Int128(kilopascals.significand), dropping: kilopascals.fractionDigits - 3) {
            invariant(sample.pressure.map { Int128($0.pascals) == expected } ?? false, "pressure \(kilopascals) kPa read as \(String(describing: sample.pressure))")
        }
    }

    /// `(raw + offset) × scale` rounded half away from zero to an integer, or nil when 128 bits
    /// cannot say it (then only the absence of a trap is checked).
    static func roundedProduct(raw: Int64, offset: DecimalText.Value, scale: DecimalText.Value) -> Int128? {
        guard offset.fractionDigits <= 19, scale.fractionDigits <= 19 else { return nil }
        let sum = Int128(raw) * power(offset.fractionDigits) + Int128(offset.significand)
        let (product, overflow) = sum.multipliedReportingOverflow(by: Int128(scale.significand))
        guard !overflow else { return nil }
        return rounded(product, dropping: offset.fractionDigits + scale.fractionDigits)
    }

    static func rounded(_ value: Int128, dropping digits: Int) -> Int128? {
        guard digits > 0 else { return digits > -19 ? value * power(-digits) : nil }
        guard digits <= 38 else { return nil }
        let divisor = power(digits)
        let quotient = value / divisor
        let remainder = value % divisor
        guard remainder.magnitude * 2 >= divisor.magnitude else { return quotient }
        return value < 0 ? quotient - 1 : quotient + 1
    }

    static func power(_ digits: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<digits { result *= 10 }
        return result
    }

    static func checkHwmonAndThermal(_ text: [UInt8], humidity: [UInt8]) {
        let expected = DecimalText.integer(text).flatMap(Int32.init(exactly:))
        let hwmon = Tree(files: ["/sys/class/hwmon/hwmon0/name": utf8("lm75\n"), "/sys/class/hwmon/hwmon0/temp1_input": text,
                                 "/sys/class/hwmon/hwmon0/humidity1_input": humidity])
        let sample = try? HwmonSource(tree: hwmon, name: "lm75").read()
        let humidityValue = DecimalText.integer(humidity).flatMap(Int32.init(exactly:))
        invariant(sample?.temperature.value == (humidityValue == nil ? nil : expected), "hwmon read \(text) as \(String(describing: sample))")
        let thermal = Tree(files: ["/sys/class/thermal/thermal_zone0/type": utf8("cpu-thermal\n"), "/sys/class/thermal/thermal_zone0/temp": text])
        let zone = try? ThermalZoneSource(tree: thermal).read()
        invariant(zone?.temperature.value == expected, "thermal zone read \(text) as \(String(describing: zone))")
    }
}
