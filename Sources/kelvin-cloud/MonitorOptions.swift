import Foundation

/// What `monitor` asked for, checked.
struct MonitorOptions: Equatable {
    /// Where `monitor` starts reading.
    enum Since: Equatable {
        /// Only what arrives after the monitor started, as `az iot hub monitor-events` by default.
        case now
        /// Everything the emulator still holds.
        case start
        /// Messages received at or after this instant.
        case time(Date)
    }

    var adminPort = 44302
    var deviceID: String?
    var hubName: String?
    var since = Since.now
}
