import CPosix

/// Lines to standard output and standard error, written straight to the descriptors so that
/// nothing is lost in a buffer when the process is killed.
public enum Console {
    public static func print(_ line: String) {
        write(line, to: .standardOutput)
    }

    public static func printError(_ line: String) {
        write(line, to: .standardError)
    }

    private static func write(_ line: String, to descriptor: FileDescriptor) {
        var text = line
        text.append("\n")
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            try? descriptor.writeAll(UnsafeRawBufferPointer(buffer))
        }
    }
}

/// The process environment.
public enum Environment {
    /// The corresponding C function is `getenv`.
    public static func value(_ name: String) -> String? {
        guard let value = cposix_environment_value(name) else { return nil }
        return String(cString: value)
    }

    /// The bytes of the secret `name` (at most `limit`), after which the variable is gone from
    /// the environment and its value overwritten where the kernel shows it
    /// (`/proc/PID/environ`): a later child process or a core dump does not carry it. Nil when
    /// unset or longer than `limit`. The corresponding C functions are `getenv`,
    /// `explicit_bzero` and `unsetenv`.
    public static func take(_ name: String, limit: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: limit)
        let length = bytes.withUnsafeMutableBytes { cposix_environment_take(name, $0.baseAddress, $0.count) }
        guard length >= 0 else { return nil }
        // In place: the array is unique, so nothing is copied and left behind.
        bytes.removeLast(limit - Int(length))
        return bytes
    }

    /// The names of all variables, for spotting a misspelt one. The corresponding C variable
    /// is `environ`.
    public static func names() -> [String] {
        var names: [String] = []
        var index = 0
        while let entry = cposix_environment_entry(index) {
            let bytes = Array(String(cString: entry).utf8)
            let end = bytes.firstIndex(of: UInt8(ascii: "=")) ?? bytes.endIndex
            names.append(String(decoding: bytes[..<end], as: UTF8.self))
            index += 1
        }
        return names
    }
}

/// Process-wide settings made once at start.
public enum Process {
    /// A peer that closes a socket must give us EPIPE, not kill us with SIGPIPE.
    public static func ignoreBrokenPipe() {
        cposix_ignore_broken_pipe()
    }

    /// This process's id, for `WATCHDOG_PID`. The corresponding C function is `getpid`.
    public static var id: Int64 { cposix_process_id() }

    /// Ends the process now with `status`. The corresponding C function is `exit`.
    public static func exit(_ status: Int32) -> Never {
        cposix_exit(status)
    }
}
