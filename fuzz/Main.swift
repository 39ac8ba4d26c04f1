/// The libFuzzer entry points for every target in this directory.
///
/// One binary serves them all and is run under each target's name (`<target>-fuzzer`, a link
/// to it that scripts/fuzz.sh makes). Compiling a harness with the sanitizers costs about as
/// long as compiling a module (tens of seconds on a small builder), so one build instead of a
/// dozen keeps `make fuzz` near its old length; and since the name picks the target, a crash
/// still replays with nothing to remember: `.build-fuzz/<target>-fuzzer <crash file>`.
/// libFuzzer counts coverage only for code a run reaches, so each target's `cov:` is its own.
struct FuzzTarget {
    let name: String
    let run: (UnsafeRawBufferPointer) -> Void
}

let fuzzTargets: [FuzzTarget] = [
    FuzzTarget(name: "http-response", run: HTTPResponseTarget.run),
    FuzzTarget(name: "json", run: JSONTarget.run),
    FuzzTarget(name: "dps-response", run: DPSResponseTarget.run),
    FuzzTarget(name: "hub-refusal", run: HubRefusalTarget.run),
    FuzzTarget(name: "config-file", run: ConfigFileTarget.run),
    FuzzTarget(name: "environment", run: EnvironmentTarget.run),
    FuzzTarget(name: "spool", run: SpoolTarget.run),
    FuzzTarget(name: "saved-assignment", run: SavedAssignmentTarget.run),
    FuzzTarget(name: "counters", run: CountersTarget.run),
    FuzzTarget(name: "proxy-url", run: ProxyURLTarget.run),
    FuzzTarget(name: "proxy-connect", run: ProxyConnectTarget.run),
    FuzzTarget(name: "retry-after", run: RetryAfterTarget.run),
    FuzzTarget(name: "kernel-text", run: KernelTextTarget.run),
]

nonisolated(unsafe) var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    let path = argv.pointee?.pointee.map { String(cString: $0) } ?? ""
    var name = Substring(path.split(separator: "/").last ?? "")
    if name.hasSuffix("-fuzzer") { name = name.dropLast("-fuzzer".count) }
    guard let target = fuzzTargets.first(where: { $0.name == name }) else {
        fatalError("run this binary as <target>-fuzzer, one of: \(fuzzTargets.map(\.name).joined(separator: ", "))")
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    selectedTarget?.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
