import Foundation
import Testing

@testable import KelvinCloud

/// The desk page at `GET /` on the admin listener: served whole, loading nothing from elsewhere,
/// and able to drive the admin API from its own origin while other sites still cannot.
@Suite struct DeskPageTests {
    private func page(_ cloud: LocalCloud, headers: [String] = []) throws -> CurlResult {
        try Curl.run([try cloud.adminURL("")] + headers.flatMap { ["-H", $0] }, trusting: nil, as: nil, scratch: cloud.scratch)
    }

    @Test func getRoot_servesTheWholePageAsHTML() throws {
        let cloud = try LocalCloud { $0.adminPort = 0 }
        defer { cloud.stop() }

        let result = try page(cloud)

        #expect(result.status == 200)
        #expect(result.header("Content-Type") == "text/html; charset=utf-8")
        #expect(result.body == DeskPage.html)
        #expect(result.body.hasPrefix("<!doctype html>"))
        #expect(result.body.contains("<title>kelvin-cloud desk</title>"))
        let policy = try #require(result.header("Content-Security-Policy"))
        #expect(policy.contains("default-src 'none'"))
        #expect(policy.contains("connect-src 'self'"))
        #expect(policy.contains("frame-ancestors 'none'"))
    }

    /// Nothing from a CDN or any other host: no address at all, no `src=`, and every path the
    /// page names is one of the admin API's.
    @Test func page_loadsNothingFromElsewhereAndNamesOnlyAdminPaths() throws {
        let html = DeskPage.html
        #expect(!html.lowercased().contains("http://"))
        #expect(!html.lowercased().contains("https://"))
        #expect(!html.lowercased().contains("//cdn"))
        #expect(!html.lowercased().contains("src="))
        #expect(!html.contains("innerHTML"))

        let paths = html.matches(of: try Regex(#"["'`(](/[^"'`)\s<>]+)"#)).map { String(html[$0.range].dropFirst()) }
        #expect(Set(paths) == ["/admin/hubs", "/admin/devices", "/admin/registrations", "/admin/faults", "/admin/exchanges", "/admin/messages?after=", "/admin/outage", "/admin/throttle"])
    }

    /// What a browser sends for the page's own buttons (`Origin` and `Sec-Fetch-Site:
    /// same-origin`) is taken; the same request from another site is refused.
    @Test func pageButtons_fromTheirOwnOriginAreTakenFromAnotherSiteRefused() throws {
        let cloud = try LocalCloud { $0.adminPort = 0 }
        defer { cloud.stop() }
        let port = try #require(cloud.server.adminPort)
        let own = ["Origin: http://127.0.0.1:\(port)", "Sec-Fetch-Site: same-origin", "Sec-Fetch-Mode: cors"]

        let foreign = try cloud.admin(
            "POST",
            "throttle",
            body: #"{"route":"telemetry","count":3,"retryAfterSeconds":2}"#,
            headers: ["Origin: http://evil.example", "Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: cors"]
        )
        #expect(foreign.status == 403, "\(foreign.body)")
        #expect(cloud.server.pendingFaultSteps == 0)

        let throttle = try cloud.admin(
            "POST",
            "throttle",
            body: #"{"route":"telemetry","count":3,"retryAfterSeconds":2}"#,
            headers: own
        )
        #expect(throttle.status == 200, "\(throttle.body)")
        #expect(cloud.server.pendingFaultSteps == 3)

        let outage = try cloud.admin("POST", "outage", body: #"{"hub":"hub","seconds":30}"#, headers: own)
        #expect(outage.status == 200, "\(outage.body)")

        let clear = try cloud.admin("DELETE", "faults", headers: own)
        #expect(clear.status == 200, "\(clear.body)")
        #expect(cloud.server.pendingFaultSteps == 0)
    }

    /// A DNS-rebinding page reaching loopback under its own name gets no desk either.
    @Test func getRoot_underAnotherHostName_is403() throws {
        let cloud = try LocalCloud { $0.adminPort = 0 }
        defer { cloud.stop() }

        let result = try page(cloud, headers: ["Host: evil.example"])

        #expect(result.status == 403)
        #expect(!result.body.contains("<html"))
    }

    @Test(arguments: ["favicon.ico", "index.html", "desk"])
    func otherPathsOutsideAdmin_stayA404(_ path: String) throws {
        let cloud = try LocalCloud { $0.adminPort = 0 }
        defer { cloud.stop() }

        let result = try Curl.run([try cloud.adminURL(path)], trusting: nil, as: nil, scratch: cloud.scratch)

        #expect(result.status == 404)
        #expect(result.header("Content-Type") == "application/json; charset=utf-8")
        let message = try #require(try result.jsonObject()["error"] as? String)
        #expect(message.hasPrefix("no admin route GET /\(path); routes under /admin:"))
        #expect(message.hasSuffix("the desk page: GET /"))
    }
}
