import FleetSimulation
import Testing

/// The virtual clock's agenda: earliest first, and the order of scheduling among equals.
@Suite struct EventQueueTests {
    @Test func eventsComeOutByTime_whateverTheOrderTheyWentIn() {
        var queue = EventQueue<String>()
        for (name, time) in [("c", 300), ("a", 100), ("d", 400), ("b", 200)] { queue.schedule(name, at: Int64(time)) }
        var popped: [String] = []
        while let (_, name) = queue.popFirst() { popped.append(name) }
        #expect(popped == ["a", "b", "c", "d"])
    }

    @Test func eventsAtTheSameTime_comeOutInTheOrderScheduled() {
        var queue = EventQueue<Int>()
        for device in 0..<50 { queue.schedule(device, at: 1_000) }
        queue.schedule(-1, at: 999)
        var popped: [Int] = []
        while let (_, device) = queue.popFirst() { popped.append(device) }
        #expect(popped == [-1] + Array(0..<50))
    }

    @Test func interleavedSchedulingAndPopping_neverGoesBackInTime() {
        var queue = EventQueue<Int>()
        var state: UInt64 = 12345
        func next() -> Int64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int64(state >> 44)
        }
        var clock: Int64 = 0
        for _ in 0..<200 { queue.schedule(0, at: next()) }
        var popped = 0
        while let (time, _) = queue.popFirst() {
            #expect(time >= clock)
            clock = time
            popped += 1
            // A handler schedules only into its own future, as the simulator's devices do.
            if popped <= 1_000 { queue.schedule(0, at: clock + next() % 1_000) }
        }
        #expect(popped == 1_200)
        #expect(queue.isEmpty)
    }
}
