/// Decimal text for integers that count a fixed fraction of a unit (thousandths of a degree,
/// hundredths of a hectopascal), so no reading passes through floating point on its way to the
/// wire. One implementation for every quantity, and its length known before it is written, so a
/// batch can be sized without being encoded twice.
enum DecimalFixedPoint {
    /// Writes `value`, which counts 10^-`scaleDigits` of the unit, with `fractionDigits` decimals
    /// (clamped to 0...`scaleDigits`), rounding half away from zero: 23125 at scale 3 with 2
    /// digits is "23.13".
    static func append(_ value: Int32, scaleDigits: Int, fractionDigits: Int, to writer: inout ByteWriter) {
        let parts = Parts(value, scaleDigits: scaleDigits, fractionDigits: fractionDigits)
        if parts.isNegative { writer.append(UInt8(ascii: "-")) }
        writer.appendDecimal(Int(parts.whole))
        guard parts.digits > 0 else { return }
        writer.append(UInt8(ascii: "."))
        var fraction = parts.fraction
        var place = parts.fractionScale / 10
        while place > 0 {
            writer.append(UInt8(0x30 + fraction / place))
            fraction %= place
            place /= 10
        }
    }

    /// Exactly how many bytes ``append(_:scaleDigits:fractionDigits:to:)`` writes.
    static func byteCount(_ value: Int32, scaleDigits: Int, fractionDigits: Int) -> Int {
        let parts = Parts(value, scaleDigits: scaleDigits, fractionDigits: fractionDigits)
        return (parts.isNegative ? 1 : 0) + ASCII.decimalByteCount(Int(parts.whole)) + (parts.digits > 0 ? 1 + parts.digits : 0)
    }

    /// The rounded number split at the decimal point; shared so that the text and its length can
    /// never disagree.
    private struct Parts {
        var isNegative: Bool
        var whole: Int64
        var fraction: Int64
        var fractionScale: Int64
        var digits: Int

        init(_ value: Int32, scaleDigits: Int, fractionDigits: Int) {
            digits = min(max(fractionDigits, 0), scaleDigits)
            var divisor: Int64 = 1
            for _ in 0..<(scaleDigits - digits) { divisor *= 10 }
            // Int32's magnitude in Int64 leaves room for the rounding addend.
            let rounded = (Int64(value.magnitude) + divisor / 2) / divisor
            fractionScale = 1
            for _ in 0..<digits { fractionScale *= 10 }
            // "-0.00" would claim a sign the rounded number does not have.
            isNegative = value < 0 && rounded != 0
            whole = rounded / fractionScale
            fraction = rounded % fractionScale
        }
    }
}
