import Foundation
import Platform
import Sensors
import Testing
import Wire

/// `FileTree` and the kernel sources on real files: a sysfs-shaped tree in a directory of its
/// own under /tmp, removed again.
@Suite struct FileTreeTests {
    let root = "/tmp/kelvin-sysfs-\(UUID().uuidString)"

    func write(_ path: String, _ text: String) throws {
        let url = URL(fileURLWithPath: root + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func removeRoot() {
        try? FileManager.default.removeItem(atPath: root)
    }

    @Test func thermalZoneAndDS18B20_readFromRealFiles() throws {
        defer { removeRoot() }
        try write("/class/thermal/thermal_zone0/type", "cpu-thermal\n")
        try write("/class/thermal/thermal_zone0/temp", "48850\n")
        try write("/bus/w1/devices/28-0316a2796aff/w1_slave", "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n")
        #expect(try ThermalZoneSource(tree: FileTree(), root: root).read() == SensorSample(temperature: Millidegrees(48_850), fractionDigits: 1))
        #expect(try DS18B20Source(tree: FileTree(), root: root).read().temperature == Millidegrees(23_125))
    }

    @Test func list_namesEntriesWithoutDotsAndIsEmptyForAMissingDirectory() throws {
        defer { removeRoot() }
        try write("/class/hwmon/hwmon0/name", "cpu_thermal\n")
        try write("/class/hwmon/hwmon1/name", "rpi_volt\n")
        #expect(FileTree().list(root + "/class/hwmon").sorted() == ["hwmon0", "hwmon1"])
        #expect(FileTree().list(root + "/class/nothing") == [])
        #expect(throws: Errno.noSuchFile) { try Directory.entries(root + "/class/nothing") }
    }

    @Test func missingFile_isASourceErrorNamingIt() throws {
        defer { removeRoot() }
        try write("/class/thermal/thermal_zone0/type", "cpu-thermal\n")
        let path = root + "/class/thermal/thermal_zone0/temp"
        #expect(throws: SensorError.source(path: path, detail: "does not exist; is the driver loaded (its dtoverlay in config.txt)?")) {
            try FileTree().read(path)
        }
    }

    @Test func oversizedFile_isASourceError() throws {
        defer { removeRoot() }
        try write("/big", String(repeating: "1", count: 100))
        #expect(throws: SensorError.source(path: root + "/big", detail: "is larger than 16 bytes; is it the right file?")) {
            try FileTree(limit: 16).read(root + "/big")
        }
    }
}
