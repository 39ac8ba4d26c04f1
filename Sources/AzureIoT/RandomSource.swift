/// A source of random bits, injected so a retry schedule is a pure function a test can pin.
public protocol RandomSource {
    mutating func next() -> UInt64
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, seedable, good enough for jitter.
///
/// Not for secrets: its whole state is the last output's preimage. Jitter only has to keep a
/// fleet of devices from retrying in step, and a device seeds it from something that differs
/// between devices and boots.
public struct SplitMix64: RandomSource, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

extension RandomSource {
    /// A value in `range`, each equally likely but for a bias below `range.count / 2^64`.
    ///
    /// Lemire's multiply-shift ("Fast Random Integer Generation in an Interval", 2019, without
    /// the rejection step): the high word of `random × count` falls in `0..<count`. Skipping
    /// the rejection keeps the number of draws fixed at one, so a seeded schedule stays the same
    /// whatever the range; for spans of milliseconds the bias is far below anything measurable.
    public mutating func uniform(in range: ClosedRange<Int64>) -> Int64 {
        // The span as unsigned: upper − lower fits in UInt64 for any Int64 pair.
        let span = UInt64(bitPattern: range.upperBound &- range.lowerBound)
        guard span < UInt64.max else { return Int64(bitPattern: next()) }
        let offset = next().multipliedFullWidth(by: span + 1).high
        return range.lowerBound &+ Int64(bitPattern: offset)
    }
}
