import Sensors
import Testing
import Wire

/// A Pi 4's hwmon devices: the under-voltage monitor first, then the CPU.
private let piHwmon: [String: String] = [
    "/sys/class/hwmon/hwmon0/name": "rpi_volt\n",
    "/sys/class/hwmon/hwmon0/in0_lcrit_alarm": "0\n",
    "/sys/class/hwmon/hwmon1/name": "cpu_thermal\n",
    "/sys/class/hwmon/hwmon1/temp1_input": "45277\n",
]

@Suite struct HwmonSourceTests {
    @Test func cpuThermal_isFoundByNameWhateverItsNumber() throws {
        let source = HwmonSource(tree: FixtureTree(piHwmon), name: "cpu_thermal")
        #expect(try source.read() == SensorSample(temperature: Millidegrees(45_277), fractionDigits: 1))
    }

    @Test func sht3xWithHumidity_readsBothChannels() throws {
        var tree = FixtureTree(piHwmon)
        tree["/sys/class/hwmon/hwmon2/name"] = "sht3x\n"
        tree["/sys/class/hwmon/hwmon2/temp1_input"] = "21345\n"
        tree["/sys/class/hwmon/hwmon2/humidity1_input"] = "48210\n"
        let sample = try HwmonSource(tree: tree, name: "sht3x").read()
        #expect(sample == SensorSample(temperature: Millidegrees(21_345), fractionDigits: 2, humidity: RelativeHumidity(millipercent: 48_210, fractionDigits: 2)))
    }

    @Test func secondChannel_readsTemp2Input() throws {
        var tree = FixtureTree(piHwmon)
        tree["/sys/class/hwmon/hwmon3/name"] = "lm75\n"
        tree["/sys/class/hwmon/hwmon3/temp1_input"] = "20500\n"
        tree["/sys/class/hwmon/hwmon3/temp2_input"] = "-3500\n"
        #expect(try HwmonSource(tree: tree, name: "lm75", channel: 2).read().temperature == Millidegrees(-3_500))
    }

    @Test func ds18b20ThroughHwmon_keepsItsThreeDecimals() throws {
        var tree = FixtureTree(piHwmon)
        tree["/sys/class/hwmon/hwmon2/name"] = "w1_slave_temp\n"
        tree["/sys/class/hwmon/hwmon2/temp1_input"] = "23125\n"
        #expect(try HwmonSource(tree: tree, name: "w1_slave_temp").read() == SensorSample(temperature: Millidegrees(23_125), fractionDigits: 3))
    }

    @Test func missingName_listsTheNamesThatExist() {
        let source = HwmonSource(tree: FixtureTree(piHwmon), name: "lm75")
        #expect(throws: SensorError.source(path: "/sys/class/hwmon", detail: "no hwmon device whose name is \"lm75\"; present: rpi_volt (hwmon0), cpu_thermal (hwmon1); use one of those names, or bind the sensor's driver with a dtoverlay (e.g. dtoverlay=i2c-sensor,lm75) and reboot")) {
            try source.read()
        }
    }

    @Test func noHwmonAtAll_saysThereAreNone() {
        #expect(throws: SensorError.source(path: "/sys/class/hwmon", detail: "no hwmon device whose name is \"cpu_thermal\": this machine has none; bind the sensor's driver with a dtoverlay (e.g. dtoverlay=i2c-sensor,lm75) and reboot")) {
            try HwmonSource(tree: FixtureTree(), name: "cpu_thermal").read()
        }
    }

    @Test func twoDevicesWithOneName_refusesToGuess() {
        var tree = FixtureTree(piHwmon)
        tree["/sys/class/hwmon/hwmon2/name"] = "w1_slave_temp\n"
        tree["/sys/class/hwmon/hwmon2/temp1_input"] = "23125\n"
        tree["/sys/class/hwmon/hwmon3/name"] = "w1_slave_temp\n"
        tree["/sys/class/hwmon/hwmon3/temp1_input"] = "19000\n"
        #expect(throws: SensorError.source(path: "/sys/class/hwmon", detail: "several hwmon devices have the name \"w1_slave_temp\" (hwmon2, hwmon3), and their numbers change between boots; read each through a source that names the device itself (a 1-Wire id, an I²C address)")) {
            try HwmonSource(tree: tree, name: "w1_slave_temp").read()
        }
    }

    @Test func missingChannel_saysWhereToLook() {
        #expect(throws: SensorError.source(path: "/sys/class/hwmon/hwmon1", detail: "cpu_thermal has no temp2_input; `ls /sys/class/hwmon/hwmon1` shows the channels it has")) {
            try HwmonSource(tree: FixtureTree(piHwmon), name: "cpu_thermal", channel: 2).read()
        }
    }

    @Test func readFailure_passesTheDriversVerdictOn() {
        var tree = FixtureTree(piHwmon)
        tree["/sys/class/hwmon/hwmon2/name"] = "w1_slave_temp\n"
        tree.failures["/sys/class/hwmon/hwmon2/temp1_input"] = .notReady(sensor: "/sys/class/hwmon/hwmon2/temp1_input", detail: "EIO")
        #expect(throws: SensorError.notReady(sensor: "/sys/class/hwmon/hwmon2/temp1_input", detail: "EIO")) {
            try HwmonSource(tree: tree, name: "w1_slave_temp").read()
        }
    }

    @Test func garbage_isASourceError() {
        var tree = FixtureTree(piHwmon)
        tree["/sys/class/hwmon/hwmon1/temp1_input"] = "45.2\n"
        #expect(throws: SensorError.source(path: "/sys/class/hwmon/hwmon1/temp1_input", detail: "expected a decimal integer, found \"45.2\"; is this the right file?")) {
            try HwmonSource(tree: tree, name: "cpu_thermal").read()
        }
    }

    @Test func otherRoot_readsTheTreeThere() throws {
        let tree = FixtureTree(["/fixture/class/hwmon/hwmon0/name": "cpu_thermal", "/fixture/class/hwmon/hwmon0/temp1_input": "50000"])
        #expect(try HwmonSource(tree: tree, name: "cpu_thermal", root: "/fixture").read().temperature == Millidegrees(50_000))
    }
}

/// An IIO bus with a DHT22 on the dht11 overlay and a BME280 bound by i2c-sensor.
private let iioDevices: [String: String] = [
    "/sys/bus/iio/devices/iio:device0/name": "dht11\n",
    "/sys/bus/iio/devices/iio:device0/in_temp_input": "23400\n",
    "/sys/bus/iio/devices/iio:device0/in_humidityrelative_input": "45600\n",
    "/sys/bus/iio/devices/iio:device1/name": "bme280\n",
    "/sys/bus/iio/devices/iio:device1/in_temp_input": "21370\n",
    "/sys/bus/iio/devices/iio:device1/in_humidityrelative_input": "45123\n",
    "/sys/bus/iio/devices/iio:device1/in_pressure_input": "101.325670000\n",
    "/sys/bus/iio/devices/trigger0/name": "not a device\n",
]

@Suite struct IIOSourceTests {
    @Test func dht11Overlay_readsTemperatureAndHumidityInTenths() throws {
        let sample = try IIOSource(tree: FixtureTree(iioDevices), name: "dht11").read()
        #expect(sample == SensorSample(temperature: Millidegrees(23_400), fractionDigits: 1, humidity: RelativeHumidity(millipercent: 45_600, fractionDigits: 1)))
    }

    @Test func dht11ReadFailsWithEIO_isNotReadyWithTheRetryAdvice() {
        var tree = FixtureTree(iioDevices)
        tree.failures["/sys/bus/iio/devices/iio:device0/in_temp_input"] = .notReady(sensor: "/sys/bus/iio/devices/iio:device0/in_temp_input", detail: "Input/output error")
        #expect(throws: SensorError.notReady(sensor: "DHT11/DHT22 (/sys/bus/iio/devices/iio:device0)", detail: "the DHT sensor did not answer; reads fail often, the next one usually works (wait at least 2 s)")) {
            try IIOSource(tree: tree, name: "dht11").read()
        }
    }

    @Test func dht11HumidityFailsAfterTemperature_isNotReadyToo() {
        var tree = FixtureTree(iioDevices)
        tree.failures["/sys/bus/iio/devices/iio:device0/in_humidityrelative_input"] = .notReady(sensor: "x", detail: "Connection timed out")
        #expect(throws: SensorError.notReady(sensor: "DHT11/DHT22 (/sys/bus/iio/devices/iio:device0)", detail: "the DHT sensor did not answer; reads fail often, the next one usually works (wait at least 2 s)")) {
            try IIOSource(tree: tree, name: "dht11").read()
        }
    }

    @Test func bme280_readsPressureFromKilopascalsExactly() throws {
        let sample = try IIOSource(tree: FixtureTree(iioDevices), name: "bme280").read()
        #expect(sample == SensorSample(
            temperature: Millidegrees(21_370),
            fractionDigits: 2,
            humidity: RelativeHumidity(millipercent: 45_123, fractionDigits: 2),
            pressure: Pressure(pascals: 101_326)
        ))
    }

    @Test func tmp117RawTimesScale_isExactToTheMillidegree() throws {
        var tree = FixtureTree(iioDevices)
        tree["/sys/bus/iio/devices/iio:device2/name"] = "tmp117\n"
        tree["/sys/bus/iio/devices/iio:device2/in_temp_raw"] = "2998\n"
        tree["/sys/bus/iio/devices/iio:device2/in_temp_scale"] = "7.8125\n"
        // 2998 × 7.8125 = 23421.875 m°C.
        #expect(try IIOSource(tree: tree, name: "tmp117").read() == SensorSample(temperature: Millidegrees(23_422), fractionDigits: 3))
        tree["/sys/bus/iio/devices/iio:device2/in_temp_raw"] = "-2998\n"
        #expect(try IIOSource(tree: tree, name: "tmp117").read().temperature == Millidegrees(-23_422))
        // 3 × 7.8125 = 23.4375 rounds down; 2 × 7.8125 = 15.625 rounds up.
        tree["/sys/bus/iio/devices/iio:device2/in_temp_raw"] = "3\n"
        #expect(try IIOSource(tree: tree, name: "tmp117").read().temperature == Millidegrees(23))
        tree["/sys/bus/iio/devices/iio:device2/in_temp_raw"] = "2\n"
        #expect(try IIOSource(tree: tree, name: "tmp117").read().temperature == Millidegrees(16))
    }

    @Test func rawPlusOffsetTimesScale_addsTheOffsetBeforeScaling() throws {
        // (399 + 100.5) × 2.5 = 1248.75 m°C.
        var tree = FixtureTree([
            "/sys/bus/iio/devices/iio:device0/name": "adc-temp\n",
            "/sys/bus/iio/devices/iio:device0/in_temp_raw": "399\n",
            "/sys/bus/iio/devices/iio:device0/in_temp_offset": "100.5\n",
            "/sys/bus/iio/devices/iio:device0/in_temp_scale": "2.5\n",
        ])
        #expect(try IIOSource(tree: tree, name: "adc-temp").read() == SensorSample(temperature: Millidegrees(1_249), fractionDigits: 3))
        // (-1 - 4) × 0.5 = -2.5 rounds away from zero.
        tree["/sys/bus/iio/devices/iio:device0/in_temp_raw"] = "-1\n"
        tree["/sys/bus/iio/devices/iio:device0/in_temp_offset"] = "-4\n"
        tree["/sys/bus/iio/devices/iio:device0/in_temp_scale"] = "0.5\n"
        #expect(try IIOSource(tree: tree, name: "adc-temp").read().temperature == Millidegrees(-3))
        // A scale of 62.5 m°C per count is worth two decimals.
        tree["/sys/bus/iio/devices/iio:device0/in_temp_scale"] = "62.500000\n"
        #expect(try IIOSource(tree: tree, name: "adc-temp").read() == SensorSample(temperature: Millidegrees(-313), fractionDigits: 2))
    }

    @Test func overflowingScale_isImplausible() {
        let tree = FixtureTree([
            "/sys/bus/iio/devices/iio:device0/name": "tmp117\n",
            "/sys/bus/iio/devices/iio:device0/in_temp_raw": "2000000000\n",
            "/sys/bus/iio/devices/iio:device0/in_temp_scale": "7.8125\n",
        ])
        #expect(throws: SensorError.implausible(sensor: "/sys/bus/iio/devices/iio:device0", detail: "(raw + offset) × scale does not fit in m°C; check in_temp_raw, in_temp_offset and in_temp_scale")) {
            try IIOSource(tree: tree, name: "tmp117").read()
        }
    }

    @Test func missingDevice_listsTheNamesThatExist() {
        #expect(throws: SensorError.source(path: "/sys/bus/iio/devices", detail: "no IIO device whose name is \"tmp117\"; present: dht11 (iio:device0), bme280 (iio:device1); use one of those names, or bind the sensor with a dtoverlay (e.g. dtoverlay=dht11,gpiopin=4 or dtoverlay=i2c-sensor,tmp117) and reboot")) {
            try IIOSource(tree: FixtureTree(iioDevices), name: "tmp117").read()
        }
    }

    @Test func deviceWithoutTemperature_namesTheFilesItLacks() {
        let tree = FixtureTree(["/sys/bus/iio/devices/iio:device0/name": "mcp3008\n", "/sys/bus/iio/devices/iio:device0/in_voltage0_raw": "512\n"])
        #expect(throws: SensorError.source(path: "/sys/bus/iio/devices/iio:device0", detail: "mcp3008 has neither in_temp_input nor in_temp_raw with in_temp_scale; `ls /sys/bus/iio/devices/iio:device0` shows the channels it has")) {
            try IIOSource(tree: tree, name: "mcp3008").read()
        }
    }

    @Test func badScale_isASourceError() {
        let tree = FixtureTree([
            "/sys/bus/iio/devices/iio:device0/name": "tmp117\n",
            "/sys/bus/iio/devices/iio:device0/in_temp_raw": "1\n",
            "/sys/bus/iio/devices/iio:device0/in_temp_scale": "7.8e3\n",
        ])
        #expect(throws: SensorError.source(path: "/sys/bus/iio/devices/iio:device0/in_temp_scale", detail: "expected a decimal number, found \"7.8e3\"; is this the right file?")) {
            try IIOSource(tree: tree, name: "tmp117").read()
        }
    }

    // Found by the kernel-text fuzz target: a file of several lines (the wrong file, or a
    // driver's garbage) was quoted raw, and its newlines split the error line.
    @Test func scaleOfSeveralLinesWithControls_isQuotedEscapedOnOneLine() {
        let tree = FixtureTree([
            "/sys/bus/iio/devices/iio:device0/name": "tmp117\n",
            "/sys/bus/iio/devices/iio:device0/in_temp_raw": "1\n",
            "/sys/bus/iio/devices/iio:device0/in_temp_scale": "7.8\n\u{1B}[2J\n",
        ])
        #expect(throws: SensorError.source(path: "/sys/bus/iio/devices/iio:device0/in_temp_scale", detail: "expected a decimal number, found \"7.8\\n\\x1B[2J\"; is this the right file?")) {
            try IIOSource(tree: tree, name: "tmp117").read()
        }
    }
}

@Suite struct ThermalZoneSourceTests {
    let tree = FixtureTree([
        "/sys/class/thermal/thermal_zone0/type": "cpu-thermal\n",
        "/sys/class/thermal/thermal_zone0/temp": "48850\n",
        "/sys/class/thermal/thermal_zone1/type": "rp1_adc\n",
        "/sys/class/thermal/thermal_zone1/temp": "41200\n",
        "/sys/class/thermal/cooling_device0/type": "pwm-fan\n",
    ])

    @Test func cpuThermal_isTheDefault() throws {
        #expect(try ThermalZoneSource(tree: tree).read() == SensorSample(temperature: Millidegrees(48_850), fractionDigits: 1))
    }

    @Test func otherType_isSelectedByType() throws {
        #expect(try ThermalZoneSource(tree: tree, type: "rp1_adc").read().temperature == Millidegrees(41_200))
    }

    @Test func missingType_listsTheZones() {
        #expect(throws: SensorError.source(path: "/sys/class/thermal", detail: "no thermal zone whose type is \"soc-thermal\"; present: cpu-thermal (thermal_zone0), rp1_adc (thermal_zone1); use one of those types")) {
            try ThermalZoneSource(tree: tree, type: "soc-thermal").read()
        }
    }

    @Test func noZones_saysThereAreNone() {
        #expect(throws: SensorError.source(path: "/sys/class/thermal", detail: "no thermal zone whose type is \"cpu-thermal\": this machine has none")) {
            try ThermalZoneSource(tree: FixtureTree()).read()
        }
    }
}

@Suite struct DS18B20SourceTests {
    static let directory = "/sys/bus/w1/devices"

    static func tree(_ files: [String: String]) -> FixtureTree {
        var tree = FixtureTree(["\(directory)/w1_bus_master1/w1_master_slaves": "28-0316a2796aff\n"])
        for (device, text) in files { tree["\(directory)/\(device)/w1_slave"] = text }
        return tree
    }

    static func read(_ w1Slave: String) throws(SensorError) -> SensorSample {
        try DS18B20Source(tree: tree(["28-0316a2796aff": w1Slave])).read()
    }

    static let sensor = "DS18B20 28-0316a2796aff"

    @Test func typicalRead_is23125() throws {
        let sample = try Self.read("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n")
        #expect(sample == SensorSample(temperature: Millidegrees(23_125), fractionDigits: 3))
    }

    @Test func negativeRead_isMinus10125() throws {
        let sample = try Self.read("5e ff 4b 46 7f ff 02 10 b6 : crc=b6 YES\n5e ff 4b 46 7f ff 02 10 b6 t=-10125\n")
        #expect(sample.temperature == Millidegrees(-10_125))
    }

    @Test func powerOnValue85_isRejected() {
        #expect(throws: SensorError.implausible(sensor: Self.sensor, detail: "85 °C is the power-on value: the sensor did not convert; check its power (parasite power needs a strong pull-up)")) {
            try Self.read("50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n")
        }
    }

    @Test func measured85_isAcceptedWhenByte6IsNotTheResetValue() throws {
        let sample = try Self.read("50 05 4b 46 7f ff 10 10 bd : crc=bd YES\n50 05 4b 46 7f ff 10 10 bd t=85000\n")
        #expect(sample.temperature == Millidegrees(85_000))
    }

    @Test func crcNo_isAChecksumMismatchEvenWithATemperature() {
        #expect(throws: SensorError.checksumMismatch(sensor: Self.sensor, detail: "the kernel's CRC check said NO")) {
            try Self.read("72 01 4b 46 7f ff 0e 10 58 : crc=57 NO\n72 01 4b 46 7f ff 0e 10 57 t=23125\n")
        }
    }

    @Test func emptyRead_isAChecksumMismatch() {
        #expect(throws: SensorError.checksumMismatch(sensor: Self.sensor, detail: "the kernel returned an empty read after a failed CRC")) {
            try Self.read("")
        }
    }

    @Test func allZero_isRejectedThoughItsCRCPasses() {
        #expect(throws: SensorError.implausible(sensor: Self.sensor, detail: "the scratchpad is all 0x00: the data line is stuck; check the wiring and the pull-up")) {
            try Self.read("00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n")
        }
    }

    @Test func insufficientPower127937_isOutOfRange() {
        #expect(throws: SensorError.implausible(sensor: Self.sensor, detail: "t=127937 is outside the DS18B20's -55…125 °C (127937 means too little power)")) {
            try Self.read("ff 07 4b 46 7f ff 01 10 2f : crc=2f YES\nff 07 4b 46 7f ff 01 10 2f t=127937\n")
        }
    }

    @Test func notAW1SlaveFile_isASourceError() {
        #expect(throws: SensorError.source(path: "\(Self.directory)/28-0316a2796aff/w1_slave", detail: "not the two lines of a w1_slave file (\"… : crc=xx YES\", \"… t=23125\"); is this a DS18B20?")) {
            try Self.read("23125\n")
        }
    }

    @Test func severalSensors_choosesByIdWithOrWithoutFamily() throws {
        let tree = Self.tree([
            "28-0316a2796aff": "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n",
            "28-0416b1234567": "5e ff 4b 46 7f ff 02 10 b6 : crc=b6 YES\n5e ff 4b 46 7f ff 02 10 b6 t=-10125\n",
        ])
        #expect(DS18B20Source(tree: tree).devices() == ["28-0316a2796aff", "28-0416b1234567"])
        #expect(try DS18B20Source(tree: tree, id: "28-0416b1234567").read().temperature == Millidegrees(-10_125))
        #expect(try DS18B20Source(tree: tree, id: "0316a2796aff").read().temperature == Millidegrees(23_125))
        #expect(throws: SensorError.source(path: Self.directory, detail: "several DS18B20s are present (28-0316a2796aff, 28-0416b1234567): choose one by its id")) {
            try DS18B20Source(tree: tree).read()
        }
        #expect(throws: SensorError.source(path: Self.directory, detail: "no DS18B20 28-000000000001; present: 28-0316a2796aff, 28-0416b1234567; check the id and the wiring")) {
            try DS18B20Source(tree: tree, id: "000000000001").read()
        }
    }

    @Test func noSensor_saysHowToEnable1Wire() {
        #expect(throws: SensorError.source(path: Self.directory, detail: "no DS18B20 (28-*) is present: enable 1-Wire (dtoverlay=w1-gpio, or w1-gpio-pi5 on a Pi 5, in config.txt), reboot, and check the wiring and the 4.7 kΩ pull-up")) {
            try DS18B20Source(tree: Self.tree([:])).read()
        }
    }
}

/// The driver behind an address that i2c-dev refuses with EBUSY, as sysfs shows it.
@Suite struct I2CKernelClientTests {
    @Test func lm75BoundOnBus0_isReadThroughItsHwmonName() {
        let tree = FixtureTree([
            "/sys/bus/i2c/devices/0-0048/name": "lm75\n",
            "/sys/bus/i2c/devices/0-0048/hwmon/hwmon3/name": "lm75\n",
            "/sys/bus/i2c/devices/0-0048/hwmon/hwmon3/temp1_input": "25500\n",
        ])
        let client = I2CKernelClient.find(bus: 0, address: I2CAddress(0x48)!, in: tree)
        #expect(client == I2CKernelClient(name: "lm75", option: "hwmon:lm75"))
        #expect(client?.advice == "the kernel's lm75 driver serves it: --sensor hwmon:lm75")
    }

    @Test func bme280BoundByAnOverlay_isReadThroughItsIIODevice() {
        let tree = FixtureTree([
            "/sys/bus/i2c/devices/1-0076/name": "bme280\n",
            "/sys/bus/i2c/devices/1-0076/iio:device0/name": "bme280\n",
        ])
        #expect(I2CKernelClient.find(bus: 1, address: I2CAddress(0x76)!, in: tree) == I2CKernelClient(name: "bme280", option: "iio:bme280"))
    }

    @Test func clientWithoutHwmonOrIIO_isNamedButOffersNoOption() {
        let tree = FixtureTree(["/sys/bus/i2c/devices/1-004c/name": "eeprom\n"])
        let client = I2CKernelClient.find(bus: 1, address: I2CAddress(0x4C)!, in: tree)
        #expect(client?.option == nil)
        #expect(client?.advice == "the kernel bound it as eeprom, which offers no hwmon or IIO device")
    }

    @Test func noClient_isNil() {
        #expect(I2CKernelClient.find(bus: 1, address: I2CAddress(0x48)!, in: FixtureTree()) == nil)
    }
}
