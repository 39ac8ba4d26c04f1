import Foundation
import KelvinCloud
import Testing

@testable import kelvin_cloud

/// `serve --error-shape new|legacy` and the per-step override: the hub's two error bodies
/// (docs/azure-facts.md §1), so that devices are tested against both.
@Suite struct HubErrorShapeTests {
    /// `ErrorCode:<Name>;<text>` in `Message`, no number anywhere.
    private func expectLegacy(_ result: CurlResult, name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let body = try result.jsonObject()
        let message = body["Message"] as? String ?? ""
        #expect(message.hasPrefix("ErrorCode:\(name);"), "\(result.body)", sourceLocation: sourceLocation)
        #expect((body["ExceptionMessage"] as? String)?.hasPrefix("Tracking ID:") == true, sourceLocation: sourceLocation)
        #expect(result.header("iothub-errorcode") == name, sourceLocation: sourceLocation)
        #expect(!result.body.contains("errorCode"), sourceLocation: sourceLocation)
    }

    @Test func legacyHub_refusesWithTheNameOnly() throws {
        let cloud = try LocalCloud.provisioned { $0.hubErrorShape = .legacy }
        defer { cloud.stop() }
        cloud.server.addFaults(FaultScript(route: .telemetry, steps: [.respond(ScriptedResponse(status: 403))]))
        let quota = try cloud.send(.telemetry)
        #expect(quota.status == 403)
        try expectLegacy(quota, name: "IotHubQuotaExceeded")
        // The service's own refusals take the shape too, not only scripted ones.
        let unknown = try cloud.sendTelemetry("{}", as: cloud.device, deviceID: "nobody")
        #expect(unknown.status == 401)
        try expectLegacy(unknown, name: "IotHubUnauthorized")
    }

    @Test func newHub_nestsTheCodeAsJSON() throws {
        let cloud = try LocalCloud.provisioned()
        defer { cloud.stop() }
        cloud.server.addFaults(FaultScript(route: .telemetry, steps: [.respond(ScriptedResponse(status: 403))]))
        let quota = try cloud.send(.telemetry)
        #expect(quota.status == 403)
        #expect(try quota.hubErrorCode() == 403002)
        #expect(quota.header("iothub-errorcode") == "IotHubQuotaExceeded")
    }

    @Test func aStep_overridesTheHubsShapeEitherWay() throws {
        let legacy = try LocalCloud.provisioned()
        defer { legacy.stop() }
        legacy.server.addFaults(FaultScript(route: .telemetry, steps: [
            .respond(ScriptedResponse(status: 429, errorShape: .legacy)), .respond(ScriptedResponse(status: 429)),
        ]))
        try expectLegacy(try legacy.send(.telemetry), name: "ThrottlingException")
        #expect(try legacy.send(.telemetry).hubErrorCode() == 429001)

        let new = try LocalCloud.provisioned { $0.hubErrorShape = .legacy }
        defer { new.stop() }
        new.server.addFaults(FaultScript(route: .telemetry, steps: [.respond(ScriptedResponse(status: 503, errorShape: .new))]))
        #expect(try new.send(.telemetry).hubErrorCode() == 503001)
    }

    @Test func adminScript_takesAnErrorShapePerStep() throws {
        let cloud = try LocalCloud.provisioned { $0.adminPort = 0 }
        defer { cloud.stop() }
        let script = #"{"route":"telemetry","steps":[{"fault":"respond","status":403,"errorShape":"legacy"}]}"#
        #expect(try cloud.admin("POST", "faults", body: script).status == 200)
        try expectLegacy(try cloud.send(.telemetry), name: "IotHubQuotaExceeded")
        let wrong = #"{"route":"telemetry","steps":[{"fault":"respond","status":403,"errorShape":"old"}]}"#
        let refused = try cloud.admin("POST", "faults", body: wrong)
        #expect(refused.status == 400)
        #expect(refused.body.contains("errorShape"))
    }

    @Test func commandLine_parsesTheShape() throws {
        let plain = try KelvinCloudCommandLine.parse(["serve", "--dir", "desk"], as: ServeCommand.self).options()
        let legacy = try KelvinCloudCommandLine.parse(
            ["serve", "--dir", "desk", "--error-shape", "legacy"],
            as: ServeCommand.self
        ).options()
        #expect(plain.hubErrorShape == .new)
        #expect(legacy.hubErrorShape == .legacy)
        #expect(
            KelvinCloudCommandLine.refusal(["serve", "--dir", "desk", "--error-shape", "old"])
                == "--error-shape needs new or legacy, not 'old'"
        )
    }
}
