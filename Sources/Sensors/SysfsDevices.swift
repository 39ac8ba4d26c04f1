import Wire

/// The devices of one sysfs class directory (`/sys/class/hwmon/hwmon*`, `/sys/bus/iio/devices/
/// iio:device*`, `/sys/class/thermal/thermal_zone*`), told apart by the text of an identifying
/// file, because the kernel numbers them in probe order and the numbers move between boots
/// (sensor-facts.md §6).
struct SysfsDevices {
    /// `/sys/class/hwmon`.
    let directory: String
    /// `hwmon`: entries without it (`power`, `uevent`, cooling devices) are not devices of the kind.
    let prefix: String
    /// `name` or `type`.
    let identityFile: String
    /// For messages: "hwmon device".
    let kind: String

    /// Each device entry (in byte order, for stable messages) with its identity, nil when the
    /// identifying file could not be read.
    func devices<Tree: TextSource>(in tree: Tree) -> [(entry: String, identity: String?)] {
        let entries = tree.list(directory)
            .filter { $0.utf8.starts(with: prefix.utf8) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return entries.map { entry in
            let contents = try? tree.read(directory + "/" + entry + "/" + identityFile)
            return (entry, contents.map(SysfsText.line))
        }
    }

    /// The path of the one device whose identity is `wanted`.
    /// - Throws: `SensorError.source` naming the identities present, or that there are none
    ///   (ending with `hint`), or that several share the identity.
    /// - Parameter setup: how to make such a device appear (an overlay), said when none is there
    ///   or the wanted one is missing; nil when there is nothing to set up.
    func find<Tree: TextSource>(_ wanted: String, in tree: Tree, setup: String?) throws(SensorError) -> String {
        let present = devices(in: tree)
        let matches = present.filter { $0.identity.map { $0.utf8.elementsEqual(wanted.utf8) } ?? false }
        if matches.count == 1 { return directory + "/" + matches[0].entry }
        if matches.count > 1 {
            let entries = matches.map { $0.entry }.joined(separator: ", ")
            throw .source(path: directory, detail: "several \(kind)s have the \(identityFile) \"\(wanted)\" (\(entries)), and their numbers change between boots; read each through a source that names the device itself (a 1-Wire id, an I²C address)")
        }
        guard !present.isEmpty else {
            throw .source(path: directory, detail: "no \(kind) whose \(identityFile) is \"\(wanted)\": this machine has none" + (setup.map { "; " + $0 } ?? ""))
        }
        let listed = present.map { "\(PrintableText.escaped($0.identity ?? "?")) (\($0.entry))" }.joined(separator: ", ")
        throw .source(path: directory, detail: "no \(kind) whose \(identityFile) is \"\(wanted)\"; present: \(listed); use one of those \(identityFile)s" + (setup.map { ", or " + $0 } ?? ""))
    }
}
