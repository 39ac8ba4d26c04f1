import Testing
import Wire

@Suite struct DecimalTextTests {
    @Test func integers_withOrWithoutOneNewline() {
        #expect(DecimalText.integer(Array("42000\n".utf8)) == 42_000)
        #expect(DecimalText.integer(Array("-1500".utf8)) == -1_500)
        #expect(DecimalText.integer(Array("42\n\n".utf8)) == nil)
        #expect(DecimalText.integer(Array(" 42\n".utf8)) == nil)
        #expect(DecimalText.integer(Array("\n".utf8)) == nil)
        #expect(DecimalText.integer([]) == nil)
    }

    @Test func decimals_keepEveryDigit() {
        #expect(DecimalText.decimal(Array("7.8125\n".utf8)) == DecimalText.Value(significand: 78_125, fractionDigits: 4))
        #expect(DecimalText.decimal(Array("-0.5".utf8)) == DecimalText.Value(significand: -5, fractionDigits: 1))
        #expect(DecimalText.decimal(Array("101.325000000\n".utf8)) == DecimalText.Value(significand: 101_325_000_000, fractionDigits: 9))
        #expect(DecimalText.decimal(Array("42".utf8)) == DecimalText.Value(significand: 42))
    }

    @Test func decimals_refuseWhatTheKernelDoesNotPrint() {
        for text in [".5", "5.", "-.5", "-", "1e3", "7,8", "1.2.3", "", "12345678901234567890.1"] {
            #expect(DecimalText.decimal(Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test func rounding_isHalfAwayFromZero() {
        let scale = DecimalText.Value(significand: 78_125, fractionDigits: 4)
        #expect(scale.rounded(toFractionDigits: 3) == 7_813)
        #expect(DecimalText.Value(significand: -78_125, fractionDigits: 4).rounded(toFractionDigits: 3) == -7_813)
        #expect(DecimalText.Value(significand: 78_124, fractionDigits: 4).rounded(toFractionDigits: 3) == 7_812)
        #expect(DecimalText.Value(significand: -25, fractionDigits: 1).rounded(toFractionDigits: 0) == -3)
        #expect(DecimalText.Value(significand: 5).rounded(toFractionDigits: 3) == 5_000)
        #expect(DecimalText.Value(significand: 4, fractionDigits: 25).rounded(toFractionDigits: 0) == 0)
    }

    @Test func arithmetic_isExactAndReportsOverflow() {
        let raw = DecimalText.Value(significand: 399)
        let offset = DecimalText.Value(significand: 1_005, fractionDigits: 1)
        let scale = DecimalText.Value(significand: 25, fractionDigits: 1)
        #expect(raw.adding(offset) == DecimalText.Value(significand: 4_995, fractionDigits: 1))
        #expect(raw.adding(offset)?.multiplied(by: scale) == DecimalText.Value(significand: 124_875, fractionDigits: 2))
        // Trailing zeros go, so a nine-decimal scale of 1000 keeps its headroom.
        #expect(DecimalText.Value(significand: 1_000_000_000_000, fractionDigits: 9).multiplied(by: DecimalText.Value(significand: 2)) == DecimalText.Value(significand: 2_000))
        #expect(DecimalText.Value(significand: .max).adding(DecimalText.Value(significand: 1)) == nil)
        #expect(DecimalText.Value(significand: .max / 2).multiplied(by: DecimalText.Value(significand: 3)) == nil)
    }
}
