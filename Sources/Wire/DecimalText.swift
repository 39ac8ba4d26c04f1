/// Numbers as the kernel prints them in sysfs: integers ("42000\n") and decimals ("7.8125\n",
/// "101.325000000\n"), read into integers so that no value passes through floating point.
public enum DecimalText {
    /// A decimal number held exactly: `significand` × 10^-`fractionDigits` ("7.8125" is 78125 and 4).
    public struct Value: Equatable, Sendable {
        public var significand: Int64
        public var fractionDigits: Int

        public init(significand: Int64, fractionDigits: Int = 0) {
            self.significand = significand
            self.fractionDigits = fractionDigits
        }

        /// The sum, or nil when it does not fit in 64 bits.
        public func adding(_ other: Value) -> Value? {
            let digits = max(fractionDigits, other.fractionDigits)
            guard let left = significand(at: digits), let right = other.significand(at: digits) else { return nil }
            let (sum, overflow) = left.addingReportingOverflow(right)
            return overflow ? nil : Value(significand: sum, fractionDigits: digits).trimmed()
        }

        /// The product, or nil when it does not fit in 64 bits.
        public func multiplied(by other: Value) -> Value? {
            let (product, overflow) = significand.multipliedReportingOverflow(by: other.significand)
            return overflow ? nil : Value(significand: product, fractionDigits: fractionDigits + other.fractionDigits).trimmed()
        }

        /// The value counted in 10^-`digits`, rounding half away from zero (a sensor's error is
        /// symmetric, so neither direction should win): 7.8125 to 3 digits is 7813, -2.5 to 0 is -3.
        /// Nil when it does not fit in 64 bits.
        public func rounded(toFractionDigits digits: Int) -> Int64? {
            if digits >= fractionDigits { return significand(at: digits) }
            var divisor: Int64 = 1
            for _ in 0..<(fractionDigits - digits) {
                let (next, overflow) = divisor.multipliedReportingOverflow(by: 10)
                // More than 18 digits to drop: the value rounds to zero.
                if overflow { return 0 }
                divisor = next
            }
            let quotient = significand / divisor
            let remainder = significand % divisor
            // |remainder| * 2 >= divisor, written so that it cannot overflow.
            guard remainder.magnitude >= divisor.magnitude - remainder.magnitude else { return quotient }
            return significand < 0 ? quotient - 1 : quotient + 1
        }

        /// The significand scaled up to `digits` fraction digits (never down), or nil on overflow.
        private func significand(at digits: Int) -> Int64? {
            var value = significand
            for _ in 0..<max(digits - fractionDigits, 0) {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = next
            }
            return value
        }

        /// Drops trailing zero fraction digits, so that "1000.000000000" multiplies like 1000 and
        /// chained arithmetic keeps its headroom.
        private func trimmed() -> Value {
            var result = self
            while result.fractionDigits > 0, result.significand % 10 == 0 {
                result.significand /= 10
                result.fractionDigits -= 1
            }
            return result
        }
    }

    /// An optionally signed decimal integer, alone or followed by one newline (sysfs prints
    /// `"%d\n"`); nil for anything else.
    public static func integer(_ bytes: [UInt8]) -> Int64? {
        ASCII.parseDecimal(withoutNewline(bytes), as: Int64.self)
    }

    /// An optionally signed decimal number with an optional fraction ("7.8125", "-0.5", "42"),
    /// alone or followed by one newline; nil for anything else, including exponents and more
    /// than 18 significant digits.
    public static func decimal(_ bytes: [UInt8]) -> Value? {
        let text = withoutNewline(bytes)
        guard let point = text.firstIndex(of: UInt8(ascii: ".")) else {
            return ASCII.parseDecimal(text, as: Int64.self).map { Value(significand: $0) }
        }
        let fraction = text[(point + 1)...]
        // "5." and ".5" are not how the kernel prints, and "-.5" would parse its sign twice.
        guard !fraction.isEmpty, fraction.allSatisfy(ASCII.isDigit), point > text.startIndex else { return nil }
        let whole = text[..<point]
        guard !(whole.count == 1 && whole.first == UInt8(ascii: "-")) else { return nil }
        // One number of all the digits keeps the sign of "-0.5", which a whole part of 0 would lose.
        guard let significand = ASCII.parseDecimal(ArraySlice(whole + fraction), as: Int64.self) else { return nil }
        return Value(significand: significand, fractionDigits: fraction.count)
    }

    private static func withoutNewline(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        bytes.last == UInt8(ascii: "\n") ? bytes.dropLast() : bytes[...]
    }
}
