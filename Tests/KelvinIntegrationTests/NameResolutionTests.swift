import Foundation
import Platform
import Testing

/// Name lookups that never block the caller: loopback names and literals without a DNS server,
/// getaddrinfo's own words for a name that does not exist, and giving up on lookups still
/// running without a crash or a leak.
@Suite struct NameResolutionTests {
    /// Polls the lookup's descriptor until it is done, at most `timeoutMilliseconds`.
    static func finish(_ resolution: NameResolution, timeoutMilliseconds: Int64 = 10_000) throws -> NameResolution.Outcome? {
        var poller = Poller()
        let clock = MonotonicClock()
        let deadline = clock.nowMilliseconds + timeoutMilliseconds
        while clock.nowMilliseconds < deadline {
            if let outcome = resolution.outcome { return outcome }
            poller.removeAll()
            poller.watch(resolution.descriptor, forWriting: false)
            _ = try poller.wait(timeoutMilliseconds: deadline - clock.nowMilliseconds)
        }
        return resolution.outcome
    }

    @Test func ipv4Literal_resolvesToItself() throws {
        let outcome = try Self.finish(try NameResolution(host: "127.0.0.1", port: 8443))
        #expect(outcome == .resolved([SocketAddress(family: .ipv4, bytes: [127, 0, 0, 1], port: 8443)]))
        if case .resolved(let addresses)? = outcome { #expect(addresses.map(\.description) == ["127.0.0.1:8443"]) }
    }

    @Test func ipv6Literal_resolvesToItself() throws {
        let outcome = try Self.finish(try NameResolution(host: "::1", port: 443))
        let loopback = SocketAddress(family: .ipv6, bytes: [UInt8](repeating: 0, count: 15) + [1], port: 443)
        #expect(outcome == .resolved([loopback]))
        #expect(loopback.description == "[::1]:443")
    }

    @Test func localhost_resolvesToALoopbackAddress() throws {
        let outcome = try Self.finish(try NameResolution(host: "localhost", port: 443))
        guard case .resolved(let addresses)? = outcome else {
            Issue.record("localhost did not resolve: \(String(describing: outcome))")
            return
        }
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0.addressText == "127.0.0.1" || $0.addressText == "::1" })
        #expect(addresses.allSatisfy { $0.port == 443 })
    }

    @Test func nameThatCannotExist_failsWithGetaddrinfosText() throws {
        // RFC 6761 reserves .invalid: no DNS server answers it with an address.
        let outcome = try Self.finish(try NameResolution(host: "kelvin-no-such-host.invalid", port: 443))
        guard case .failed(let reason)? = outcome else {
            Issue.record("expected a failure, got \(String(describing: outcome))")
            return
        }
        let texts = [EAI_NONAME, EAI_AGAIN, EAI_FAIL].map { String(cString: gai_strerror($0)) }
        #expect(texts.contains(reason), "\(reason) is not getaddrinfo's text")
    }

    @Test func lookupsGivenUpAtOnce_crashNothing_andLeakNothing() throws {
        let clock = MonotonicClock()
        let names = ["localhost", "127.0.0.1", "::1", "kelvin-cancelled.invalid"]
        for round in 0..<200 {
            let resolution = try NameResolution(host: names[round % names.count], port: 443)
            if round % 3 == 0 { _ = resolution.outcome }
            // Dropped here, most while their thread still runs.
        }
        // Each lookup frees its memory and closes its descriptor when both it and its owner are
        // done; wait for the last ones.
        let deadline = clock.nowMilliseconds + 20_000
        while NameResolution.outstandingCount > 0 && clock.nowMilliseconds < deadline { usleep(10_000) }
        // Other suites resolve names too while this runs; what matters is that the count drains.
        #expect(NameResolution.outstandingCount == 0)
    }
}
