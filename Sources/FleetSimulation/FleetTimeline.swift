/// Requests per second over the run, by service: what the plot shows and the bursts are read
/// from.
public struct FleetTimeline: Sendable {
    public private(set) var hubPerSecond: [Int]
    /// Hub requests carrying a reading that had been sent before.
    public private(set) var hubRetriesPerSecond: [Int]
    public private(set) var dpsPerSecond: [Int]

    public init(durationMilliseconds: Int64) {
        let seconds = Int(durationMilliseconds / 1000) + 1
        hubPerSecond = Array(repeating: 0, count: seconds)
        hubRetriesPerSecond = Array(repeating: 0, count: seconds)
        dpsPerSecond = Array(repeating: 0, count: seconds)
    }

    mutating func countHub(at now: Int64, retry: Bool) {
        let second = Int(now / 1000)
        guard second >= 0, second < hubPerSecond.count else { return }
        hubPerSecond[second] += 1
        if retry { hubRetriesPerSecond[second] += 1 }
    }

    mutating func countDPS(at now: Int64) {
        let second = Int(now / 1000)
        if second >= 0, second < dpsPerSecond.count { dpsPerSecond[second] += 1 }
    }

    /// `perSecond` summed in buckets of `seconds` from `start`, `buckets` of them.
    public static func buckets(_ perSecond: [Int], from start: Int64, seconds: Int = 10, count: Int) -> [Int] {
        let first = Int(start / 1000)
        return (0..<count).map { bucket in
            let from = first + bucket * seconds
            let to = min(from + seconds, perSecond.count)
            return from < to ? perSecond[from..<to].reduce(0, +) : 0
        }
    }
}
