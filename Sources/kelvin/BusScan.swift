import Agent
import Platform
import Sensors

/// `kelvin scan`: what answers on an I²C bus, and which sensors those are.
struct BusScan {
    let busNumber: Int

    func run() throws(Fatal) {
        throw Fatal(message: "scan: not built yet", exitCode: .configuration)
    }
}
