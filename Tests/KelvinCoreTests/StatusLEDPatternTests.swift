import Agent
import Testing

@Suite struct StatusLEDPatternTests {
    @Test func provisioning_blinksSlowly() {
        let pattern = StatusLEDPattern.provisioning
        #expect([0, 499, 500, 999, 1_000, 61_250, 61_750].map { pattern.isOn(atMilliseconds: $0) } == [true, true, false, false, true, true, false])
        // Before zero the phase carries on rather than flipping.
        #expect([-1, -500, -501, -1_000].map { pattern.isOn(atMilliseconds: $0) } == [false, false, true, true])
    }

    @Test func error_blinksFast() {
        let pattern = StatusLEDPattern.error
        #expect([0, 99, 100, 199, 200, 1_050, 1_150].map { pattern.isOn(atMilliseconds: $0) } == [true, true, false, false, true, true, false])
    }

    @Test func sending_blipsOncePerDelivery() {
        let pattern = StatusLEDPattern.sending(lastDeliveryMilliseconds: 10_000)
        #expect([9_999, 10_000, 10_049, 10_050, 20_000].map { pattern.isOn(atMilliseconds: $0) } == [false, true, true, false, false])
        #expect(StatusLEDPattern.sending(lastDeliveryMilliseconds: nil).isOn(atMilliseconds: 0) == false)
    }
}
