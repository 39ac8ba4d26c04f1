/// What to do about a sensor that keeps failing, decided from its record alone: after
/// `restartAfter` failures in a row, start it again (identity, reset, calibration); after
/// `powerCycleAfter` failed restarts, cut its power if a line is wired for that; and while it
/// keeps failing, try it on fewer and fewer scheduled slots (every 2nd, 4th … up to every
/// `maximumSkip`+1th) so a dead bus is not hammered — the schedule itself never moves.
public struct SensorHealth: Equatable, Sendable {
    public enum Action: Equatable, Sendable {
        /// Read as usual.
        case read
        /// Leave this slot out: the sensor is being given time.
        case skip
        /// Start the sensor again, then read.
        case restartThenRead
        /// Power the sensor off and on, start it, then read.
        case powerCycleThenRead
    }

    public let restartAfter: Int
    public let powerCycleAfter: Int
    public let maximumSkip: Int
    /// False when no power line is wired; the reading source clears it then.
    public var canPowerCycle: Bool
    public private(set) var consecutiveFailures = 0
    private var failedRestarts = 0
    private var slotsToSkip = 0
    private var restartPending = false

    public init(restartAfter: Int = 3, powerCycleAfter: Int = 2, maximumSkip: Int = 15, canPowerCycle: Bool = false) {
        self.restartAfter = max(restartAfter, 1)
        self.powerCycleAfter = max(powerCycleAfter, 1)
        self.maximumSkip = max(maximumSkip, 0)
        self.canPowerCycle = canPowerCycle
    }

    /// Called at each scheduled slot: what to do with it.
    public mutating func slotArrived() -> Action {
        if slotsToSkip > 0 {
            slotsToSkip -= 1
            return .skip
        }
        guard restartPending else { return .read }
        restartPending = false
        if canPowerCycle && failedRestarts >= powerCycleAfter {
            failedRestarts = 0
            return .powerCycleThenRead
        }
        return .restartThenRead
    }

    public mutating func readingSucceeded() {
        consecutiveFailures = 0
        failedRestarts = 0
        slotsToSkip = 0
        restartPending = false
    }

    /// - Parameter afterRestart: the failed attempt came right after a restart or power cycle.
    public mutating func readingFailed(afterRestart: Bool) {
        consecutiveFailures += 1
        if afterRestart { failedRestarts += 1 }
        guard consecutiveFailures >= restartAfter else { return }
        restartPending = true
        // 1, 3, 7, 15 … slots left out between attempts, doubling with each failure past the bound.
        let beyond = min(consecutiveFailures - restartAfter, 16)
        slotsToSkip = min((1 << beyond) - 1, maximumSkip)
    }
}
