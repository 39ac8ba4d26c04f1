/// The trimming values a BME280/BMP280 carries in its NVM, and Bosch's integer compensation that
/// turns raw ADC counts into units (sensor-facts.md §1.5, §1.7).
///
/// The arithmetic wraps like the C reference instead of trapping, so calibration or raw data
/// garbled on the wires give a value the driver rejects as implausible, not a crash.
public struct BME280Calibration: Equatable, Sendable {
    public var t1: UInt16, t2: Int16, t3: Int16
    public var p1: UInt16, p2: Int16, p3: Int16, p4: Int16, p5: Int16, p6: Int16, p7: Int16, p8: Int16, p9: Int16
    /// Nil on a BMP280, which has no humidity channel.
    public var humidity: Humidity?

    /// The humidity trimming: dig_H1 at 0xA1 and the seven bytes 0xE1...0xE7, where H4 and H5 are
    /// signed 12-bit values sharing the nibbles of 0xE5.
    public struct Humidity: Equatable, Sendable {
        public var h1: UInt8, h2: Int16, h3: UInt8, h4: Int16, h5: Int16, h6: Int8

        /// Parses 0xE1...0xE7 (`registersE1`) with dig_H1 from 0xA1; nil when fewer than 7 bytes.
        public init?(h1: UInt8, registersE1: [UInt8]) {
            guard registersE1.count >= 7 else { return nil }
            let e = registersE1
            self.h1 = h1
            h2 = Int16(bitPattern: UInt16(e[1]) << 8 | UInt16(e[0]))
            h3 = e[2]
            // The MSB byte is signed; multiplying (not shifting) keeps the sign, as Bosch does.
            h4 = Int16(Int8(bitPattern: e[3])) * 16 | Int16(e[4] & 0x0F)
            h5 = Int16(Int8(bitPattern: e[5])) * 16 | Int16(e[4] >> 4)
            h6 = Int8(bitPattern: e[6])
        }

        /// Relative humidity in Q22.10 %RH (47445 is 46.333 %RH), clamped to 0...100 %, from the
        /// raw 16-bit count and `fine` from ``BME280Calibration/temperature(raw:)``.
        public func relativeHumidity(raw: Int32, fine: Int32) -> Int32 {
            let (h1, h2, h3) = (Int32(h1), Int32(h2), Int32(h3))
            let (h4, h5, h6) = (Int32(h4), Int32(h5), Int32(h6))
            var v = fine &- 76800
            let scaled = ((raw << 14) &- (h4 << 20) &- (h5 &* v) &+ 16384) >> 15
            let curve = ((((((v &* h6) >> 10) &* (((v &* h3) >> 11) &+ 32768)) >> 10) &+ 2097152) &* h2 &+ 8192) >> 14
            v = scaled &* curve
            v = v &- (((((v >> 15) &* (v >> 15)) >> 7) &* h1) >> 4)
            v = min(max(v, 0), 419430400)
            return v >> 12
        }
    }

    /// Parses the 26 bytes 0x88...0xA1 and, on a BME280, 0xE1...0xE7 (`humidityRegisters`); nil
    /// when a block is short.
    public init?(registers88: [UInt8], humidityRegisters: [UInt8]?) {
        guard registers88.count >= 24 else { return nil }
        func word(_ index: Int) -> UInt16 { UInt16(registers88[index + 1]) << 8 | UInt16(registers88[index]) }
        func signed(_ index: Int) -> Int16 { Int16(bitPattern: word(index)) }
        t1 = word(0); t2 = signed(2); t3 = signed(4)
        p1 = word(6); p2 = signed(8); p3 = signed(10); p4 = signed(12); p5 = signed(14)
        p6 = signed(16); p7 = signed(18); p8 = signed(20); p9 = signed(22)
        if let humidityRegisters {
            guard registers88.count >= 26,
                  let humidity = Humidity(h1: registers88[25], registersE1: humidityRegisters)
            else { return nil }
            self.humidity = humidity
        } else {
            humidity = nil
        }
    }

    /// Temperature in 0.01 °C, and `fine`, the intermediate the pressure and humidity formulas
    /// take, from the raw 20-bit count.
    public func temperature(raw: Int32) -> (centidegrees: Int32, fine: Int32) {
        let (t1, t2, t3) = (Int32(t1), Int32(t2), Int32(t3))
        let var1 = (((raw >> 3) &- (t1 << 1)) &* t2) >> 11
        let delta = (raw >> 4) &- t1
        let var2 = (((delta &* delta) >> 12) &* t3) >> 14
        let fine = var1 &+ var2
        return ((fine &* 5 &+ 128) >> 8, fine)
    }

    /// Pressure in Q24.8 Pa (24674867 is 96386.2 Pa) from the raw 20-bit count and `fine`; 0
    /// when dig_P1 is 0 (the formula would divide by zero).
    public func pressure(raw: Int32, fine: Int32) -> Int64 {
        let (p1, p2, p3) = (Int64(p1), Int64(p2), Int64(p3))
        let (p4, p5, p6) = (Int64(p4), Int64(p5), Int64(p6))
        let (p7, p8, p9) = (Int64(p7), Int64(p8), Int64(p9))
        var var1 = Int64(fine) &- 128000
        var var2 = var1 &* var1 &* p6 &+ ((var1 &* p5) << 17) &+ (p4 << 35)
        var1 = ((var1 &* var1 &* p3) >> 8) &+ ((var1 &* p2) << 12)
        var1 = (((Int64(1) << 47) &+ var1) &* p1) >> 33
        guard var1 != 0 else { return 0 }
        var p = (((1048576 &- Int64(raw)) << 31) &- var2) &* 3125
        p = p.dividedReportingOverflow(by: var1).partialValue
        var1 = (p9 &* (p >> 13) &* (p >> 13)) >> 25
        var2 = (p8 &* p) >> 19
        return ((p &+ var1 &+ var2) >> 8) &+ (p7 << 4)
    }
}
