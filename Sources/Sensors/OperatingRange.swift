import Wire

/// The temperatures a part's datasheet specifies it for. A reading outside is a fault (a stuck
/// data line, a damaged part), not weather, so it is refused rather than sent.
struct OperatingRange {
    var lowest: Int32
    var highest: Int32

    init(degrees: ClosedRange<Int32>) {
        lowest = degrees.lowerBound * 1_000
        highest = degrees.upperBound * 1_000
    }

    /// - Throws: `.implausible` with the reading and the range.
    func check(_ millidegrees: Int32, sensor: String) throws(SensorError) -> Millidegrees {
        let reading = Millidegrees(millidegrees)
        guard millidegrees >= lowest, millidegrees <= highest else {
            let low = Millidegrees(lowest).formatted(fractionDigits: 0), high = Millidegrees(highest).formatted(fractionDigits: 0)
            throw .implausible(sensor: sensor, detail: "\(reading.formatted(fractionDigits: 3)) °C is outside the part's \(low) to \(high) °C; check the wiring, or replace the part")
        }
        return reading
    }
}
