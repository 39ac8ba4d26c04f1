/// Read access to a file tree, for the kernel's sysfs sources (hwmon, IIO, thermal zones,
/// 1-Wire): the device passes the real file system, tests a fixture tree in memory.
public protocol TextSource {
    /// The whole (small) file.
    func read(_ path: String) throws(SensorError) -> [UInt8]
    /// The names in a directory, without `.` and `..`; empty when it does not exist.
    func list(_ directory: String) -> [String]
}
