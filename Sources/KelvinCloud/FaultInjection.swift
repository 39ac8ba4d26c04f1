import Foundation

/// Decides how one request is answered: by the service, or by the next fault step aimed at it.
enum FaultInjection {
    static func plan(
        for request: CloudRequest,
        endpoint: some CloudEndpoint,
        ledger: inout CloudLedger,
        at now: Date,
        using generator: inout some RandomNumberGenerator
    ) -> (ResponsePlan, [String]) {
        guard let target = endpoint.faultTarget(of: request),
            let step = ledger.faults.takeStep(route: target.route, hubName: target.hubName, subject: target.subject)
        else {
            let reply = endpoint.respond(to: request, ledger: &ledger, at: now, using: &generator)
            return (.respond(reply.response, delaySeconds: 0), reply.logLines)
        }

        let service = target.hubName ?? "dps"
        let announce = "fault: \(service) \(target.route.rawValue) for \(target.subject): \(describe(step))"
        func served() -> EndpointReply {
            endpoint.respond(to: request, ledger: &ledger, at: now, using: &generator)
        }
        switch step {
        case .respond(let scripted):
            let response = response(for: scripted, route: target.route, hubErrorShape: target.hubErrorShape, at: now, using: &generator)
            return (.respond(response, delaySeconds: scripted.delaySeconds), [announce])
        case .delay(let seconds):
            let reply = served()
            return (.respond(reply.response, delaySeconds: seconds), [announce] + reply.logLines)
        case .closeBeforeResponding:
            return (.close, [announce])
        case .closeAfterProcessing:
            return (.close, [announce] + served().logLines)
        case .closeMidBody:
            let reply = served()
            return (.cutMidBody(reply.response), [announce] + reply.logLines)
        case .stall:
            return (.stall, [announce])
        case .garbage:
            return (.garbage, [announce])
        case .slowDrip(let bytesPerWrite, let intervalSeconds):
            let reply = served()
            return (.drip(reply.response, bytesPerWrite: bytesPerWrite, intervalSeconds: intervalSeconds), [announce] + reply.logLines)
        }
    }

    /// A scripted answer; without a body, an error status gets the service's real error shape.
    static func response(
        for scripted: ScriptedResponse,
        route: CloudRoute,
        hubErrorShape: HubErrorShape = .new,
        at now: Date,
        using generator: inout some RandomNumberGenerator
    ) -> CloudResponse {
        var response: CloudResponse
        if let body = scripted.body {
            response = CloudResponse(status: scripted.status, body: body)
        } else if scripted.status >= 400 {
            response = route.isProvisioning
                ? ProvisioningFailure.scripted(status: scripted.status).response(at: now, using: &generator)
                : HubFailure.scripted(status: scripted.status)
                    .response(shape: scripted.errorShape ?? hubErrorShape, at: now, using: &generator)
        } else {
            response = CloudResponse(status: scripted.status)
        }
        response.headers.append(contentsOf: scripted.headers)
        return response
    }

    static func describe(_ step: FaultStep) -> String {
        switch step {
        case .respond(let scripted):
            return "answer \(scripted.status)" + (scripted.delaySeconds > 0 ? " after \(scripted.delaySeconds) s" : "")
        case .delay(let seconds): return "answer after \(seconds) s"
        case .closeBeforeResponding: return "close before responding"
        case .closeAfterProcessing: return "process, then close without answering"
        case .closeMidBody: return "close in the middle of the answer"
        case .stall: return "never answer"
        case .garbage: return "answer with garbage"
        case .slowDrip(let bytes, let interval): return "answer \(bytes) bytes every \(interval) s"
        }
    }
}
