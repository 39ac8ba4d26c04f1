import Agent
import Platform
import Sensors

/// The sensor's supply switched by a GPIO line (a MOSFET or a load switch), held for the whole
/// run. A class, because the line cannot be copied and the reading source is a value.
final class GPIOPowerSwitch: PowerSwitch {
    private let line: OutputLine
    let clock: MonotonicClock

    /// Requests the line driven high (powered) from the start.
    init(lineName: String, clock: MonotonicClock) throws(GPIOError) {
        line = try OutputLine(try GPIOLineLocation.named(lineName), consumer: "kelvin-sensor-power", active: true)
        self.clock = clock
    }

    /// Off for half a second, long enough for the parts Kelvin drives to reset, then on and
    /// a moment to come up.
    func powerCycle() throws(SensorError) {
        do {
            try line.set(active: false)
            clock.sleep(milliseconds: 500)
            try line.set(active: true)
            clock.sleep(milliseconds: 100)
        } catch {
            throw .source(path: line.location.description, detail: "could not switch the sensor's power: \(error)")
        }
    }
}
