// The C entry point, as in `kelvin`: SwiftPM links executables with `main` aliased to
// `<module>_main`, and the status returned here is the process's.
@_cdecl("kelvin_fleet_main")
func kelvinFleetMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var arguments: [String] = []
    for index in 0..<Int(argc) {
        if let argument = argv[index] { arguments.append(String(cString: argument)) }
    }
    return runFleet(arguments)
}
