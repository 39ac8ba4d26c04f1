import Agent
import Platform
import Sensors

/// `kelvin scan`: what answers on an I²C bus, and which sensors those are — `i2cdetect`, but
/// saying what to pass to `--sensor`.
struct BusScan {
    let busNumber: Int
    let clock = MonotonicClock()

    func run() throws(Fatal) {
        let found: [(I2CAddress, ScanFinding)]
        do {
            var bus = try LinuxI2CBus(number: busNumber)
            defer { bus.close() }
            Console.print("kelvin: scanning \(bus.name), addresses 0x03–0x77")
            let clock = self.clock
            found = try BusScanner.scan(&bus, busNumber: busNumber) { clock.sleep(milliseconds: Int64($0)) }
        } catch {
            throw Fatal(message: error.description, exitCode: error.exitCode)
        }
        for (address, finding) in found {
            Console.print("  \(address)  " + describe(finding, at: address))
        }
        let sensors = found.filter { if case .sensor = $0.1 { return true } else { return false } }.count
        Console.print("kelvin: \(found.count) address(es) answered, \(sensors) sensor(s) Kelvin can read" + (found.isEmpty ? "; check the wiring (SDA, SCL, 3.3 V, GND) and that the sensor is powered" : ""))
    }

    func describe(_ finding: ScanFinding, at address: I2CAddress) -> String {
        if case .ownedByKernelDriver = finding,
           let client = I2CKernelClient.find(bus: busNumber, address: address, in: FileTree()) {
            return "UU: a kernel driver owns it; " + client.advice
        }
        return Self.describe(finding)
    }

    static func describe(_ finding: ScanFinding) -> String {
        switch finding {
        case .sensor(let name, let evidence, let option): return "\(name) (\(evidence)): --sensor \(option)"
        case .known(let name, let evidence): return "\(name) (\(evidence))"
        case .unknown: return "answers; not a part Kelvin recognises"
        case .ownedByKernelDriver: return "UU: a kernel driver owns it; read it through its hwmon or IIO source (--sensor hwmon:NAME or iio:NAME)"
        }
    }
}
