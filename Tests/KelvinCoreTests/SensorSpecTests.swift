import Agent
import Sensors
import Testing
import Wire

@Suite struct SensorSpecTests {
    /// `==` is written by hand to compare names by their bytes: each field still counts.
    @Test func equality_comparesEveryField() {
        let specs: [SensorSpec] = [
            .simulated(SimulatedSensor.Settings()), .simulated(SimulatedSensor.Settings(base: Millidegrees(-5_000))),
            .i2c(.bme280, bus: 1, address: I2CAddress(0x76)!), .i2c(.bme280, bus: 3, address: I2CAddress(0x76)!),
            .i2c(.bme280, bus: 1, address: I2CAddress(0x77)!), .i2c(.sht3x, bus: 1, address: I2CAddress(0x76)!),
            .hwmon(name: "sht3x", channel: 1), .hwmon(name: "sht3x", channel: 2), .hwmon(name: "lm75", channel: 1),
            .iio(name: "sht3x"), .iio(name: "dht11"), .thermal(type: "sht3x"), .thermal(type: "cpu-thermal"),
            .ds18b20(id: nil), .ds18b20(id: "28-1"), .ds18b20(id: "28-2"),
        ]
        for (i, left) in specs.enumerated() {
            for (j, right) in specs.enumerated() {
                #expect((left == right) == (i == j), "\(left) vs \(right)")
            }
        }
        // Canonically equivalent, different bytes: a name on the device is its bytes.
        #expect(SensorSpec.iio(name: "caf\u{E9}") != .iio(name: "cafe\u{301}"))
    }

    @Test func everyForm_parses() throws {
        #expect(try SensorSpec(parsing: "simulated") == .simulated(SimulatedSensor.Settings()))
        #expect(try SensorSpec(parsing: "simulated:30.25:2:0.1") == .simulated(SimulatedSensor.Settings(base: Millidegrees(30_250), swing: 2_000, noise: 100)))
        #expect(try SensorSpec(parsing: "simulated:-5") == .simulated(SimulatedSensor.Settings(base: Millidegrees(-5_000))))
        #expect(try SensorSpec(parsing: "bme280") == .i2c(.bme280, bus: 1, address: I2CAddress(0x76)!))
        #expect(try SensorSpec(parsing: "bmp280@3:0x77") == .i2c(.bme280, bus: 3, address: I2CAddress(0x77)!))
        #expect(try SensorSpec(parsing: "sht31:68") == .i2c(.sht3x, bus: 1, address: I2CAddress(0x44)!))
        #expect(try SensorSpec(parsing: "mcp9808") == .i2c(.mcp9808, bus: 1, address: I2CAddress(0x18)!))
        #expect(try SensorSpec(parsing: "hwmon:cpu_thermal") == .hwmon(name: "cpu_thermal", channel: 1))
        #expect(try SensorSpec(parsing: "hwmon:sht3x:2") == .hwmon(name: "sht3x", channel: 2))
        #expect(try SensorSpec(parsing: "iio:dht11") == .iio(name: "dht11"))
        #expect(try SensorSpec(parsing: "thermal") == .thermal(type: "cpu-thermal"))
        #expect(try SensorSpec(parsing: "ds18b20:28-000005e2fdc3") == .ds18b20(id: "28-000005e2fdc3"))
        #expect(try SensorSpec(parsing: "ds18b20") == .ds18b20(id: nil))
        #expect(try SensorSpec(parsing: "bme280@1:0x77").description == "BME280/BMP280 at 0x77 on /dev/i2c-1")
    }

    @Test func mistakes_sayWhatIsAccepted() {
        #expect(throws: SensorSpecError.unknownSensor("dht22")) { try SensorSpec(parsing: "dht22") }
        #expect(throws: SensorSpecError.badSimulation("simulated:20:-1")) { try SensorSpec(parsing: "simulated:20:-1") }
        #expect(throws: SensorSpecError.badSimulation("simulated:warm")) { try SensorSpec(parsing: "simulated:warm") }
        #expect(throws: SensorSpecError.badAddress("bme280:0x80")) { try SensorSpec(parsing: "bme280:0x80") }
        #expect(throws: SensorSpecError.badBus("bme280@x")) { try SensorSpec(parsing: "bme280@x") }
        #expect(throws: SensorSpecError.missingName("iio", kind: "iio")) { try SensorSpec(parsing: "iio") }
        #expect(SensorSpecError.unknownSensor("dht22").description.contains("iio:NAME"))
        #expect(SensorSpecError.badAddress("bme280:0x80").description.contains("0x03–0x77"))
    }
}
