/// How the SHT3x and SHT4x talk (sensor-facts.md §2.4, §2.7): a command written on its own, then a
/// plain read of 16-bit words, MSB first, each followed by its CRC. Not SMBus: no register byte
/// precedes the read.
enum SensirionTransfer {
    /// Writes one command (2 bytes on the SHT3x, 1 on the SHT4x).
    static func command<Bus: I2CBus>(_ bytes: [UInt8], to address: I2CAddress, on bus: inout Bus) throws(SensorError) {
        do { try bus.write(bytes, to: address) } catch { throw .bus(error) }
    }

    /// Reads `names.count` CRC-checked words; `names` says which word is which in a mismatch.
    ///
    /// With `retryAfter`, a NACK means the part is still measuring (it does not acknowledge its
    /// read header until the result is ready, §2.2) and earns one more read after that many
    /// milliseconds; a second NACK is `.notReady`. Without it a NACK stays a bus error: then
    /// nothing was measuring, so nothing answered.
    /// - Throws: `.bus` for a failed transfer, `.notReady` for a second NACK after a measurement,
    ///   `.checksumMismatch` naming the first bad word.
    static func readWords<Bus: I2CBus>(
        _ names: [String], from address: I2CAddress, on bus: inout Bus, sensor: String,
        retryAfter: Int? = nil, wait: (Int) -> Void
    ) throws(SensorError) -> [UInt16] {
        let count = 3 * names.count
        var bytes: [UInt8]
        do {
            bytes = try bus.read(count: count, from: address)
        } catch {
            guard case .noDevice = error, let retryAfter else { throw .bus(error) }
            wait(retryAfter)
            do {
                bytes = try bus.read(count: count, from: address)
            } catch .noDevice {
                throw .notReady(sensor: sensor, detail: "still measuring \(retryAfter) ms past the datasheet's longest conversion time; the next reading tries again, and if this persists power-cycle the sensor")
            } catch {
                throw .bus(error)
            }
        }
        guard bytes.count == count else {
            throw .implausible(sensor: sensor, detail: "\(bytes.count) bytes where \(count) were read; check the wiring and pull-ups")
        }
        var words: [UInt16] = []
        words.reserveCapacity(names.count)
        for (index, name) in names.enumerated() {
            let high = bytes[3 * index], low = bytes[3 * index + 1], received = bytes[3 * index + 2]
            let word = UInt16(high) << 8 | UInt16(low)
            let expected = SensirionCRC.checksum([high, low])
            guard received == expected else {
                throw .checksumMismatch(sensor: sensor, detail: "\(name) word \(hexText(word)) came with CRC \(hexText(received)), expected \(hexText(expected))")
            }
            words.append(word)
        }
        return words
    }

    /// `offset + span·tick/65535` in thousandths, the datasheet's formula (§2.5) in Int64, rounded
    /// to the nearest: 0x6666 is exactly 25.000 °C here, where Sensirion's shift-by-13 variant
    /// gives 24.998. There are no ties to break, since 65535 is odd and a remainder of exactly half
    /// would need it to divide 2·span·tick, hence span·tick.
    static func scaled(_ tick: UInt16, offset: Int64, span: Int64) -> Int32 {
        Int32(offset + (span * Int64(tick) + 32_767) / 65_535)
    }
}
