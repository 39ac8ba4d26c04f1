import DeviceRuntime

// Embedded Swift has no `CommandLine`, so the C entry point takes argc/argv itself. SwiftPM links
// executables with `main` aliased to `<module>_main`; the cross link does the same, so both
// builds enter here.
@_cdecl("kelvin_main")
func kelvinMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var arguments: [String] = []
    for index in 0..<Int(argc) {
        if let argument = argv[index] { arguments.append(String(cString: argument)) }
    }
    return Main.run(arguments).rawValue
}
