/// A level change on a GPIO line, stamped by the kernel when the interrupt fired: what libgpiod
/// hands over for an edge event, and what a pulse-width protocol (the DHT's) is decoded from.
public struct GPIOEdge: Equatable, Sendable {
    /// Nanoseconds on the kernel's event clock. Only differences mean anything: uAPI v1 stamps
    /// with CLOCK_REALTIME on kernels before about 5.7 and CLOCK_MONOTONIC after (sensor-facts.md §10).
    public var nanoseconds: Int64
    /// Low to high; false is high to low.
    public var isRising: Bool

    public init(nanoseconds: Int64, isRising: Bool) {
        self.nanoseconds = nanoseconds
        self.isRising = isRising
    }
}
