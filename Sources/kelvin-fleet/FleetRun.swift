import FleetSimulation
import Platform

// kelvin-fleet: a thousand `kelvin run` devices through a DPS and hub outage and a hub
// failover, simulated on a virtual clock (FleetSimulation). Prints the table and the
// histograms, writes each run's requests per second for the plot, and exits 1 when a check
// fails. Every exit status is returned to the entry point, never taken by `exit` here.

/// A refusal of the command line (64), `--help` (0) or an unwritable output (73).
struct FleetStop: Error {
    var status: Int32
    var message: String?
}

struct FleetOptions {
    var devices = 1_000
    var intervalSeconds: Int64 = 60
    var seed: UInt64 = 22
    var outputDirectory: String?
    /// The third run's DPS: the limit older copies of the docs gave, to see the 429 path taken.
    var throttledRegistrationsPerMinute = 200

    static let usage = """
        usage: kelvin-fleet [--devices N] [--interval SECONDS] [--seed N] [--throttled-dps N] [--out DIRECTORY]
        """

    init(_ arguments: [String]) throws(FleetStop) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard flag != "--help" else { throw FleetStop(status: 0, message: nil) }
            guard let value = rest.popFirst() else { throw Self.refusal("\(flag) needs a value") }
            switch flag {
            case "--devices": devices = try Self.number(flag, value, 1...100_000)
            case "--interval": intervalSeconds = Int64(try Self.number(flag, value, 1...3_600))
            case "--seed": seed = UInt64(try Self.number(flag, value, 0...Int.max))
            case "--throttled-dps": throttledRegistrationsPerMinute = try Self.number(flag, value, 1...100_000)
            case "--out": outputDirectory = value
            default: throw Self.refusal("unknown option \(flag)")
            }
        }
    }

    static func number(_ flag: String, _ value: String, _ range: ClosedRange<Int>) throws(FleetStop) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw refusal("\(flag) \(value): give a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    static func refusal(_ problem: String) -> FleetStop {
        FleetStop(status: 64, message: "kelvin-fleet: \(problem)\n\(usage)")
    }
}

func sayOnStandardError(_ text: String) {
    var line = Array((text + "\n").utf8)
    line.withUnsafeMutableBytes { bytes in try? FileDescriptor.standardError.writeAll(UnsafeRawBufferPointer(bytes)) }
}

func write(_ text: String, to path: String) throws(FleetStop) {
    do {
        try Files.replaceAtomically(path, with: Array(text.utf8), permissions: 0o644)
    } catch {
        throw FleetStop(status: 73, message: "kelvin-fleet: cannot write \(path); pass --out an existing directory you can write to")
    }
}

/// The whole run; the exit status it returns is the process's.
func runFleet(_ arguments: [String]) -> Int32 {
    do {
        return try simulateFleet(FleetOptions(arguments))
    } catch {
        if let message = error.message {
            sayOnStandardError(message)
        } else {
            print(FleetOptions.usage)
        }
        return error.status
    }
}

func simulateFleet(_ options: FleetOptions) throws(FleetStop) -> Int32 {
    let interval = options.intervalSeconds * 1000
    let scenarios = [
        ("outage", FleetScenario(
            name: "DPS+hub down 10 min", devices: options.devices, intervalMilliseconds: interval,
            trouble: .outage(lengthMilliseconds: 600_000), seed: options.seed)),
        ("failover", FleetScenario(
            name: "hub failover", devices: options.devices, intervalMilliseconds: interval, trouble: .hubFailover,
            durationMilliseconds: 1_800_000, seed: options.seed)),
        ("failover-throttled", FleetScenario(
            name: "hub failover, DPS \(options.throttledRegistrationsPerMinute)/min", devices: options.devices,
            intervalMilliseconds: interval, trouble: .hubFailover, durationMilliseconds: 1_800_000,
            registrationsPerMinute: options.throttledRegistrationsPerMinute, seed: options.seed)),
    ]

    let clock = ContinuousClock()
    let started = clock.now
    var results: [FleetResult] = []
    for (slug, scenario) in scenarios {
        var simulator = FleetSimulator(scenario: scenario)
        let result = simulator.run()
        results.append(result)
        if let directory = options.outputDirectory { try write(FleetReport.series(result), to: "\(directory)/\(slug).tsv") }
    }
    let duration = started.duration(to: clock.now).components
    let elapsed = Double(duration.seconds) + Double(duration.attoseconds) / 1e18

    print("kelvin-fleet: \(options.devices) devices, one reading every \(options.intervalSeconds) s, seed \(options.seed);")
    print("the outage starts 5 min in (50 ms after a minute's sends) and lasts 10 min; the failover is 5 min in.")
    print("DPS limits: \(FleetLimitsText.registrations), \(FleetLimitsText.polls)")
    print("  (\(FleetReport.limitsSource))")
    print("")
    for line in FleetReport.table(results) { print(line) }
    for result in results {
        print("")
        for line in FleetReport.histogram(result) { print(line) }
    }
    print("")
    print("simulated \(results.count) runs in \(Int(elapsed * 10) / 10).\(Int(elapsed * 10) % 10) s of real time")
    var failed = false
    for result in results {
        for problem in result.problems {
            print("FAIL \(result.scenario.name): \(problem)")
            failed = true
        }
    }
    return failed ? 1 : 0
}
