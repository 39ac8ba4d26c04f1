/// The JSON shape of fault scripts for the admin API:
/// `{"route": "telemetry", "hub": "hub", "subject": "my-device", "steps": [{"fault": "closeMidBody"}, …]}`.
enum FaultJSON {
    static let stepNames = [
        "respond", "delay", "closeBeforeResponding", "closeAfterProcessing", "closeMidBody", "stall", "garbage",
        "slowDrip",
    ]

    static func script(_ fields: JSONFields, knownHubs: [String]) throws(JSONFieldError) -> FaultScript {
        try fields.rejectUnknown(allowed: ["route", "hub", "subject", "steps"])
        let route = try self.route(fields)
        let hub = try self.hub(fields, narrowing: route, knownHubs: knownHubs)
        var steps: [FaultStep] = []
        for (index, item) in try fields.objects("steps").enumerated() {
            steps.append(try step(JSONFields(item, context: "\(fields.context) step \(index)")))
        }
        guard !steps.isEmpty else { throw JSONFieldError("\(fields.context): \"steps\" must list at least one step") }
        return FaultScript(route: route, hubName: hub, subject: try fields.string("subject"), steps: steps)
    }

    /// `{"route": "register", "count": 3, "retryAfterSeconds": 2}`: a burst of 429s.
    static func throttling(_ fields: JSONFields, knownHubs: [String]) throws(JSONFieldError) -> FaultScript {
        try fields.rejectUnknown(allowed: ["route", "hub", "subject", "count", "retryAfterSeconds"])
        let route = try route(fields)
        return FaultScript.throttling(
            route,
            count: try fields.integer("count", in: 1...10_000) ?? 1,
            retryAfterSeconds: try fields.integer("retryAfterSeconds", in: 0...3600) ?? 1,
            hubName: try hub(fields, narrowing: route, knownHubs: knownHubs),
            subject: try fields.string("subject")
        )
    }

    static func route(_ fields: JSONFields) throws(JSONFieldError) -> CloudRoute {
        let name = try fields.requiredString("route")
        guard let route = CloudRoute(rawValue: name) else {
            throw JSONFieldError(
                "\(fields.context): \"route\" must be one of \(CloudRoute.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return route
    }

    static func hub(_ fields: JSONFields, knownHubs: [String]) throws(JSONFieldError) -> String? {
        guard let hub = try fields.string("hub") else { return nil }
        guard knownHubs.contains(hub) else {
            throw JSONFieldError("\(fields.context): no hub named \"\(hub)\" (hubs: \(knownHubs.joined(separator: ", ")))")
        }
        return hub
    }

    /// A hub narrows telemetry only: DPS requests have no hub, so a DPS script naming one would
    /// wait forever for a request it can never match.
    private static func hub(
        _ fields: JSONFields,
        narrowing route: CloudRoute,
        knownHubs: [String]
    ) throws(JSONFieldError) -> String? {
        let hub = try hub(fields, knownHubs: knownHubs)
        if hub != nil, route.isProvisioning {
            throw JSONFieldError(
                "\(fields.context): \"hub\" narrows route telemetry only; leave it out for route \(route.rawValue)"
            )
        }
        return hub
    }

    /// `"errorShape": "new"` or `"legacy"`; absent means the hub's own.
    private static func errorShape(_ fields: JSONFields) throws(JSONFieldError) -> HubErrorShape? {
        guard let text = try fields.string("errorShape") else { return nil }
        guard let shape = HubErrorShape(rawValue: text) else {
            throw JSONFieldError("\(fields.context): \"errorShape\" must be \"new\" or \"legacy\", not \"\(text)\"")
        }
        return shape
    }

    private static func step(_ fields: JSONFields) throws(JSONFieldError) -> FaultStep {
        let name = try fields.requiredString("fault")
        switch name {
        case "respond":
            try fields.rejectUnknown(allowed: ["fault", "status", "headers", "body", "delaySeconds", "errorShape"])
            guard let status = try fields.integer("status", in: 100...599) else {
                throw JSONFieldError("\(fields.context): \"status\" is required for respond")
            }
            var headers: [HTTPHeaderField] = []
            if let rawHeaders = fields.object["headers"] {
                let headerFields = try JSONFields(rawHeaders, context: "\(fields.context) headers")
                for name in headerFields.object.keys.sorted() {
                    guard let value = try headerFields.string(name) else { continue }
                    headers.append(HTTPHeaderField(name: name, value: value))
                }
            }
            return .respond(
                ScriptedResponse(
                    status: status,
                    headers: headers,
                    body: try fields.string("body").map { Array($0.utf8) },
                    delaySeconds: try fields.number("delaySeconds", in: 0...3600) ?? 0,
                    errorShape: try errorShape(fields)
                )
            )
        case "delay":
            try fields.rejectUnknown(allowed: ["fault", "seconds"])
            return .delay(seconds: try fields.number("seconds", in: 0...3600) ?? 1)
        case "slowDrip":
            try fields.rejectUnknown(allowed: ["fault", "bytesPerWrite", "intervalSeconds"])
            return .slowDrip(
                bytesPerWrite: try fields.integer("bytesPerWrite", in: 1...65536) ?? 1,
                intervalSeconds: try fields.number("intervalSeconds", in: 0...60) ?? 0.1
            )
        case "closeBeforeResponding", "closeAfterProcessing", "closeMidBody", "stall", "garbage":
            try fields.rejectUnknown(allowed: ["fault"])
            switch name {
            case "closeBeforeResponding": return .closeBeforeResponding
            case "closeAfterProcessing": return .closeAfterProcessing
            case "closeMidBody": return .closeMidBody
            case "stall": return .stall
            default: return .garbage
            }
        default:
            throw JSONFieldError("\(fields.context): \"fault\" must be one of \(stepNames.joined(separator: ", "))")
        }
    }
}
