import Sensors

/// What `kelvin scan` found at one address.
public enum ScanFinding: Equatable, Sendable {
    /// A part Kelvin has a driver for, with what identified it and the `--sensor` to use.
    case sensor(name: String, evidence: String, option: String)
    /// A part Kelvin recognises but has no driver for (a BME680, an EEPROM range).
    case known(name: String, evidence: String)
    /// Something acknowledged, but no identity read matched.
    case unknown
    /// A kernel driver owns the address (what i2cdetect shows as UU).
    case ownedByKernelDriver
}

/// Probes a bus the way `i2cdetect` does — a zero-length write, or a one-byte read in the EEPROM
/// ranges where a write could move an EEPROM's address pointer — then names what answered with
/// identity reads that change nothing: chip-ID and manufacturer registers, and the Sensirion
/// status and serial commands (sensor-facts.md §1.1, §2, §3).
public enum BusScanner {
    /// Every address that answered (or is owned by a driver), with what it is. `busNumber` is
    /// `/dev/i2c-N`'s N, for the `--sensor` options the findings suggest.
    /// - Throws: the first bus-level failure (no bus, no permission) — a missing device is not one.
    public static func scan<Bus: I2CBus>(_ bus: inout Bus, busNumber: Int = 1, wait: (Int) -> Void) throws(I2CError) -> [(I2CAddress, ScanFinding)] {
        var found: [(I2CAddress, ScanFinding)] = []
        for value in UInt8(0x03)...UInt8(0x77) {
            guard let address = I2CAddress(value) else { continue }
            do {
                if (0x30...0x37).contains(value) || (0x50...0x5F).contains(value) {
                    _ = try bus.read(count: 1, from: address)
                } else {
                    try bus.write([], to: address)
                }
            } catch {
                switch error {
                case .noDevice, .timedOut: continue
                case .ownedByKernelDriver:
                    found.append((address, .ownedByKernelDriver))
                    continue
                default: throw error
                }
            }
            found.append((address, identify(address, on: &bus, busNumber: busNumber, wait: wait)))
        }
        return found
    }

    /// Names the part at `address` from its identity registers; `.unknown` when none matches.
    public static func identify<Bus: I2CBus>(_ address: I2CAddress, on bus: inout Bus, busNumber: Int = 1, wait: (Int) -> Void) -> ScanFinding {
        let value = address.value
        // `--sensor` reads bus 1 unless told otherwise: another bus must be in the option.
        let at = (busNumber == 1 ? "" : "@\(busNumber)") + ":" + address.description
        switch value {
        case 0x76, 0x77:
            guard let id = try? bus.writeThenRead([0xD0], count: 1, at: address).first else { return .unknown }
            let evidence = "chip ID " + hexText(id)
            switch id {
            case 0x60: return .sensor(name: "BME280", evidence: evidence, option: "bme280" + at)
            case 0x56, 0x57, 0x58: return .sensor(name: "BMP280 (no humidity)", evidence: evidence, option: "bmp280" + at)
            case 0x61: return .known(name: "BME680 (no driver in Kelvin)", evidence: evidence)
            case 0x50: return .known(name: "BMP38x/BMP58x (no driver in Kelvin)", evidence: evidence)
            case 0x55: return .known(name: "BMP180 (no driver in Kelvin)", evidence: evidence)
            default: return .unknown
            }
        case 0x44, 0x45, 0x46:
            if value != 0x46, let status = sensirionWord(command: [0xF3, 0x2D], on: &bus, at: address, wait: wait, settle: 1) {
                return .sensor(name: "SHT3x", evidence: "status " + hexText(status), option: "sht3x" + at)
            }
            if let serial = sensirionWord(command: [0x89], on: &bus, at: address, wait: wait, settle: 2) {
                return .sensor(name: "SHT4x", evidence: "serial " + hexText(serial) + "…", option: "sht4x" + at)
            }
            return .unknown
        case 0x18...0x1F:
            guard let manufacturer = try? bus.writeThenRead([0x06], count: 2, at: address), manufacturer == [0x00, 0x54],
                  let device = try? bus.writeThenRead([0x07], count: 2, at: address), device.first == 0x04 else { return .unknown }
            return .sensor(name: "MCP9808", evidence: "manufacturer 0x0054, device " + hexText(UInt16(device[0]) << 8 | UInt16(device[1])), option: "mcp9808" + at)
        case 0x48...0x4F:
            if value <= 0x4B, let id = try? bus.writeThenRead([0x0F], count: 2, at: address), id.count == 2,
               id[0] & 0x0F == 0x01, id[1] == 0x17 || id[1] == 0x19 {
                return .sensor(name: id[1] == 0x17 ? "TMP117" : "TMP119", evidence: "device ID " + hexText(UInt16(id[0]) << 8 | UInt16(id[1])), option: "tmp117" + at)
            }
            // TMP102 and the LM75 family have no identity register (sensor-facts.md §3).
            let option = value <= 0x4B ? "tmp102" + at + " or lm75" + at : "lm75" + at
            return .known(name: value <= 0x4B ? "TMP102 or LM75-compatible" : "LM75-compatible", evidence: "no ID register; try " + option)
        case 0x50...0x57:
            return .known(name: "probably an EEPROM (a HAT's ID EEPROM is at 0x50)", evidence: "address range")
        default:
            return .unknown
        }
    }

    /// A Sensirion command answered by one CRC-checked word (then anything), or nil.
    private static func sensirionWord<Bus: I2CBus>(command: [UInt8], on bus: inout Bus, at address: I2CAddress, wait: (Int) -> Void, settle milliseconds: Int) -> UInt16? {
        guard (try? bus.write(command, to: address)) != nil else { return nil }
        wait(milliseconds)
        guard let reply = try? bus.read(count: 3, from: address), reply.count == 3,
              SensirionCRC.checksum(reply[0..<2]) == reply[2] else { return nil }
        return UInt16(reply[0]) << 8 | UInt16(reply[1])
    }
}
