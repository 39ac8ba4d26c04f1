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
        let options = try KelvinCloudCommandLine.parse(["serve", "--dir", "desk"] + extra, as: ServeCommand.self).options()
        #expect(options.tlsVersions == expected)
    }

    @Test func unknownVersion_isAUsageError() {
        #expect(
            KelvinCloudCommandLine.refusal(["serve", "--dir", "desk", "--tls", "1.1"])
                == "--tls needs 1.2, 1.3 or both, not '1.1'"
        )
    }
}
