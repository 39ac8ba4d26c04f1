/// Read access to a file tree, for the kernel's sysfs sources (hwmon, IIO, thermal zones,
/// 1-Wire): the device passes the real file system, tests a fixture tree in memory.
public protocol TextSource {
    /// The whole (small) file.
    /// - Throws: `SensorError.notReady` when the driver behind the file could not get a value
    ///   this time (the read failed with EIO, ETIMEDOUT or EAGAIN, as the dht11 and w1 drivers
    ///   do routinely), so that a source can tell a flaky sensor from a missing file;
    ///   `.source` for every other failure.
    func read(_ path: String) throws(SensorError) -> [UInt8]
    /// The names in a directory, without `.` and `..`; empty when it does not exist.
    func list(_ directory: String) -> [String]
}
