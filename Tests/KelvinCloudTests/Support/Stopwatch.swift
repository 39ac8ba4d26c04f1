/// Runs `body` and returns its result with the seconds it took.
///
/// For lower bounds only ("the answer took at least the delay"): on a shared machine any upper
/// bound is a flaky test.
func timed<Value>(_ body: () throws -> Value) rethrows -> (value: Value, seconds: Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try body()
    let elapsed = clock.now - start
    return (value, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}
