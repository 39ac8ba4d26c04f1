import Testing

@testable import KelvinCloud

@Suite struct AdminRequestOriginTests {
    @Test(arguments: ["127.0.0.1:44302", "127.0.0.1", "localhost:44302", "LOCALHOST", "[::1]:44302", "[::1]"])
    func loopbackHosts_areTaken(authority: String) {
        #expect(AdminRequestOrigin.problem(headers: [], authority: authority) == nil)
    }

    @Test(arguments: [
        "evil.example", "evil.example:44302", "127.0.0.1.evil.example", "localhost.evil:1", "[::1]x", "127.0.0.1:port",
        "10.0.0.5:44302",
    ])
    func otherHosts_areRefused(authority: String) {
        #expect(AdminRequestOrigin.problem(headers: [], authority: authority) != nil)
    }

    @Test func origin_mustBeThisHostOverHTTP() {
        func problem(_ origin: String) -> String? {
            AdminRequestOrigin.problem(
                headers: [HTTPHeaderField(name: "Origin", value: origin)], authority: "127.0.0.1:44302")
        }
        #expect(problem("http://127.0.0.1:44302") == nil)
        #expect(problem("http://127.0.0.1:44303") != nil)
        #expect(problem("https://127.0.0.1:44302") != nil)
        #expect(problem("http://localhost:44302") != nil)
        #expect(problem("null") != nil)
    }

    @Test func fetchMetadata_refusesOtherSites() {
        func problem(_ site: String) -> String? {
            AdminRequestOrigin.problem(
                headers: [HTTPHeaderField(name: "Sec-Fetch-Site", value: site)], authority: "localhost:1")
        }
        #expect(problem("same-origin") == nil)
        #expect(problem("none") == nil)
        #expect(problem("cross-site") != nil)
        #expect(problem("same-site") != nil)
    }
}
