import Wire

/// The temperature register the TMP102, TMP117, MCP9808 and LM75 share (sensor-facts.md §3): 16
/// bits sent MSB first, holding a two's-complement temperature that, with its flag bits cleared
/// and its sign bit shifted up to bit 15, counts 2^-fractionBits °C. The parts differ only in
/// those three numbers, so one decode serves all four.
struct TemperatureRegister16 {
    /// The bits that carry the temperature.
    var mask: UInt16
    /// How far up the masked value moves to put its sign bit at bit 15.
    var shift: UInt16
    /// Bits right of the binary point once it is there: 7 is 1/128 °C per count.
    var fractionBits: Int32

    /// LM75, LM75A, LM75B and clones, 9 to 12 bits left-justified with the unused bits reading
    /// 0: one /256 decode is exact for all of them (§3.2).
    static let lm75 = TemperatureRegister16(mask: 0xFFFF, shift: 0, fractionBits: 8)
    /// TMP102 in normal mode: 12 bits left-justified, 1/16 °C; bits 3…0 are not temperature (§3.3).
    static let tmp102 = TemperatureRegister16(mask: 0xFFF0, shift: 0, fractionBits: 8)
    /// TMP102 in extended mode: 13 bits left-justified, still 1/16 °C; bit 0 is the EM flag (§3.3).
    static let tmp102Extended = TemperatureRegister16(mask: 0xFFF8, shift: 0, fractionBits: 7)
    /// TMP117: all 16 bits, 1/128 °C (7.8125 m°C) per count (§3.5).
    static let tmp117 = TemperatureRegister16(mask: 0xFFFF, shift: 0, fractionBits: 7)
    /// MCP9808: bits 15…13 are alert flags, bit 12 the sign, bits 11…0 1/16 °C (§3.4).
    static let mcp9808 = TemperatureRegister16(mask: 0x1FFF, shift: 3, fractionBits: 7)

    /// The temperature in thousandths of a degree, rounded half away from zero as `Millidegrees`
    /// formats: the TMP102's -0.0625 °C (-62.5 m°C) becomes -63. Int32 holds the largest product,
    /// 32768 × 1000.
    func millidegrees(_ raw: UInt16) -> Int32 {
        let counts = Int32(Int16(bitPattern: (raw & mask) << shift))
        let thousandths = counts * 1_000
        let half = Int32(1) << (fractionBits - 1)
        return thousandths < 0
            ? -((-thousandths + half) >> fractionBits)
            : (thousandths + half) >> fractionBits
    }

    /// The sample for a raw register value, refused when the part cannot have measured it.
    /// - Throws: `.implausible` outside `range`.
    func sample(_ raw: UInt16, within range: OperatingRange, fractionDigits: Int, sensor: String) throws(SensorError) -> SensorSample {
        SensorSample(temperature: try range.check(millidegrees(raw), sensor: sensor), fractionDigits: fractionDigits)
    }

    /// Reads a 16-bit register: the pointer write and the 2-byte read in one transaction, the
    /// bytes combined MSB first as the part sends them.
    ///
    /// Not `i2c_smbus_read_word_data`: SMBus defines a word as low byte first, so it returns these
    /// parts' registers byte-swapped (25 °C on a TMP102, `19 00` on the wire, would come back as
    /// 0x0019), the trap the kernel's drivers avoid with `read_word_swapped` (§3.1).
    /// - Throws: `.bus` for a failed transfer.
    static func read<Bus: I2CBus>(_ register: UInt8, at address: I2CAddress, on bus: inout Bus, sensor: String) throws(SensorError) -> UInt16 {
        let bytes = try readBytes(register, count: 2, at: address, on: &bus, sensor: sensor)
        return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    }

    /// Reads `count` bytes from `register` (an LM75's configuration register is one byte).
    /// - Throws: `.bus` for a failed transfer, `.implausible` for a short answer.
    static func readBytes<Bus: I2CBus>(_ register: UInt8, count: Int, at address: I2CAddress, on bus: inout Bus, sensor: String) throws(SensorError) -> [UInt8] {
        let bytes: [UInt8]
        do { bytes = try bus.writeThenRead([register], count: count, at: address) } catch { throw .bus(error) }
        guard bytes.count == count else {
            throw .implausible(sensor: sensor, detail: "register \(hexText(register)) gave \(bytes.count) bytes where \(count) were read; check the wiring and pull-ups")
        }
        return bytes
    }
}
