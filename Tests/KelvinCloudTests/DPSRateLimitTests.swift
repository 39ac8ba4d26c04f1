import Foundation
import Testing

@testable import KelvinCloud
@testable import kelvin_cloud

/// DPS throttles polls per device and registrations per instance (protocol facts §1.10,
/// docs/azure-facts.md §7), each with 429 / 429001 and `Retry-After`.
@Suite struct DPSRateLimitTests {
    typealias Fixture = ProvisioningEndpointTests

    static func statusLookup() -> CloudRequest {
        CloudRequest(
            method: "POST",
            target: "/0ne00000001/registrations/my-device?api-version=2021-10-01",
            headers: [HTTPHeaderField(name: "Content-Type", value: "application/json")],
            body: Array(#"{"registrationId":"my-device"}"#.utf8),
            clientCertificate: PresentedCertificate(commonName: "my-device", thumbprint: Fixture.enrolled),
            authority: "localhost:44300"
        )
    }

    func respond(_ endpoint: ProvisioningEndpoint, _ request: CloudRequest, _ ledger: inout CloudLedger, at now: Date)
        -> CloudResponse
    {
        var generator = SystemRandomNumberGenerator()
        return endpoint.respond(to: request, ledger: &ledger, at: now, using: &generator).response
    }

    @Test func registrationsPastTheInstanceLimit_are429WithRetryAfterUntilTheWindowMoves() throws {
        var endpoint = Fixture.makeEndpoint(assigningPolls: 0)
        endpoint.registrationLimit = RateLimit(maximumRequests: 3, windowSeconds: 60)
        endpoint.answersRegisterImmediately = true
        var ledger = Fixture.enrolledLedger()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(respond(endpoint, Fixture.register(), &ledger, at: start).status == 200)
        #expect(respond(endpoint, Fixture.register(), &ledger, at: start.addingTimeInterval(10)).status == 200)
        // The status lookup counts as a registration, as the DPS docs warn.
        #expect(respond(endpoint, Self.statusLookup(), &ledger, at: start.addingTimeInterval(20)).status == 200)

        let throttled = respond(endpoint, Fixture.register(), &ledger, at: start.addingTimeInterval(30))
        #expect(throttled.status == 429)
        #expect(throttled.headers.value(named: "Retry-After") == "30")
        #expect(throttled.headers.value(named: "x-ms-error-code") == "429001")
        #expect(respond(endpoint, Self.statusLookup(), &ledger, at: start.addingTimeInterval(30)).status == 429)

        // Refusals do not count: once the first registration leaves the window, one more fits.
        #expect(respond(endpoint, Fixture.register(), &ledger, at: start.addingTimeInterval(60.5)).status == 200)
        #expect(respond(endpoint, Fixture.register(), &ledger, at: start.addingTimeInterval(61)).status == 429)
    }

    @Test func defaultInstanceLimit_isTheDocumentedThousandAMinute() {
        #expect(RateLimit.registrationsPerInstance == RateLimit(maximumRequests: 1_000, windowSeconds: 60))
        #expect(
            CloudConfiguration(serverCertificateFile: "c", serverKeyFile: "k").registrationLimit
                == .registrationsPerInstance)
    }

    @Test func sixthPollInTenSeconds_is429AndPollsAfterTheWaitAreAnswered() throws {
        let endpoint = Fixture.makeEndpoint(assigningPolls: 100)
        var ledger = Fixture.enrolledLedger()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let accepted = respond(endpoint, Fixture.register(), &ledger, at: start)
        let operationID = try #require(ledger.operations.keys.first)
        #expect(accepted.status == 202)
        for second in 0..<5 {
            #expect(
                respond(endpoint, Fixture.poll(operationID), &ledger, at: start.addingTimeInterval(Double(second)))
                    .status == 202)
        }
        let throttled = respond(endpoint, Fixture.poll(operationID), &ledger, at: start.addingTimeInterval(5))
        #expect(throttled.status == 429)
        #expect(throttled.headers.value(named: "Retry-After") == "5")
        #expect(respond(endpoint, Fixture.poll(operationID), &ledger, at: start.addingTimeInterval(10.5)).status == 202)
    }
}

@Suite struct RegistrationLimitCommandLineTests {
    @Test func registrationsPerMinute_defaultsToOneServiceUnitAndTakesAPositiveCount() throws {
        let plain = try KelvinCloudCommandLine.parse(["serve", "--dir", "desk"], as: ServeCommand.self).options()
        let tight = try KelvinCloudCommandLine.parse(
            ["serve", "--dir", "desk", "--registrations-per-minute", "5"],
            as: ServeCommand.self
        ).options()
        #expect(plain.registrationsPerMinute == 1_000)
        #expect(tight.registrationsPerMinute == 5)
        #expect(
            KelvinCloudCommandLine.refusal(["serve", "--dir", "desk", "--registrations-per-minute", "0"])
                == "--registrations-per-minute needs a whole number in 1...1000000, not '0'"
        )
    }
}
