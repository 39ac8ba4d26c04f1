import Sensors

/// A sysfs tree in memory: files by path, directories implied by the paths under them, and
/// files whose read fails the way a driver's does.
struct FixtureTree: TextSource {
    var files: [String: [UInt8]] = [:]
    var failures: [String: SensorError] = [:]

    init(_ files: [String: String] = [:]) {
        for (path, text) in files { self.files[path] = Array(text.utf8) }
    }

    subscript(path: String) -> String? {
        get { files[path].map { String(decoding: $0, as: UTF8.self) } }
        set { files[path] = newValue.map { Array($0.utf8) } }
    }

    func read(_ path: String) throws(SensorError) -> [UInt8] {
        if let failure = failures[path] { throw failure }
        guard let bytes = files[path] else { throw .source(path: path, detail: "does not exist") }
        return bytes
    }

    func list(_ directory: String) -> [String] {
        let prefix = directory + "/"
        var names: Set<String> = []
        for path in Array(files.keys) + Array(failures.keys) where path.hasPrefix(prefix) {
            names.insert(String(path.dropFirst(prefix.count).split(separator: "/")[0]))
        }
        // Backwards on purpose: the sources must not depend on the file system's order.
        return names.sorted(by: >)
    }
}
