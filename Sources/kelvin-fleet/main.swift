import FleetSimulation
import Glibc

// kelvin-fleet: a thousand `kelvin run` devices through a DPS and hub outage and a hub
// failover, simulated on a virtual clock (FleetSimulation). Prints the table and the
// histograms, writes each run's requests per second for the plot, and exits 1 when a check
// fails.

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

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard flag != "--help" else { Self.fail(nil) }
            guard let value = rest.popFirst() else { Self.fail("\(flag) needs a value") }
            switch flag {
            case "--devices": devices = Self.number(flag, value, 1...100_000)
            case "--interval": intervalSeconds = Int64(Self.number(flag, value, 1...3_600))
            case "--seed": seed = UInt64(Self.number(flag, value, 0...Int.max))
            case "--throttled-dps": throttledRegistrationsPerMinute = Self.number(flag, value, 1...100_000)
            case "--out": outputDirectory = value
            default: Self.fail("unknown option \(flag)")
            }
        }
    }

    static func number(_ flag: String, _ value: String, _ range: ClosedRange<Int>) -> Int {
        guard let number = Int(value), range.contains(number) else {
            fail("\(flag) \(value): give a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    static func fail(_ problem: String?) -> Never {
        guard let problem else {
            print(usage)
            exit(0)
        }
        var standardError = StandardError()
        print("kelvin-fleet: \(problem)\n\(usage)", to: &standardError)
        exit(64)
    }
}

/// Standard error through write(2): the C `stderr` variable is not concurrency-safe in Swift 6.
struct StandardError: TextOutputStream {
    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
    }
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func write(_ text: String, to path: String) {
    guard let file = fopen(path, "w") else {
        var standardError = StandardError()
        print("kelvin-fleet: cannot write \(path): \(String(cString: strerror(errno))); check that the directory exists", to: &standardError)
        exit(73)
    }
    fputs(text, file)
    fclose(file)
}

let options = FleetOptions(CommandLine.arguments)
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

let started = monotonicSeconds()
var results: [FleetResult] = []
for (slug, scenario) in scenarios {
    var simulator = FleetSimulator(scenario: scenario)
    let result = simulator.run()
    results.append(result)
    if let directory = options.outputDirectory { write(FleetReport.series(result), to: "\(directory)/\(slug).tsv") }
}
let elapsed = monotonicSeconds() - started

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
exit(failed ? 1 : 0)
