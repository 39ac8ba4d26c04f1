import KelvinCloud
import Testing

@testable import kelvin_cloud

/// `serve --tls`: which TLS versions DPS and the hubs negotiate.
@Suite struct TLSCommandLineTests {
    @Test(arguments: [
        ([], TLSVersions.tls12),
        (["--tls", "1.2"], .tls12),
        (["--tls=1.3"], .tls13),
        (["--tls", "both"], .both),
    ])
    func tlsOption_isParsed_andDefaultsToAzuresTLS12(extra: [String], expected: TLSVersions) throws {
        guard case .serve(let options) = try CommandLineOptions.parse(["serve", "--dir", "desk"] + extra) else {
            Issue.record("serve was not parsed as serve")
            return
        }
        #expect(options.tlsVersions == expected)
    }

    @Test func unknownVersion_isAUsageError() {
        #expect(throws: UsageError(message: "--tls needs 1.2, 1.3 or both, not '1.1'")) {
            try CommandLineOptions.parse(["serve", "--dir", "desk", "--tls", "1.1"])
        }
    }
}
