/// The outcome of matching a method and path against one service's routes.
enum RouteMatch<Route: Equatable>: Equatable {
    case matched(Route)
    /// The path exists but not for this method; `allowed` goes in the `Allow` header.
    case methodNotAllowed(allowed: String)
    case notFound
}

/// DPS device API routes (protocol facts §1.1; REST spec `stable/2021-10-01/device.json`).
enum ProvisioningRoute: Equatable {
    /// `PUT /{idScope}/registrations/{registrationId}/register`
    case register(idScope: String, registrationID: String)
    /// `GET /{idScope}/registrations/{registrationId}/operations/{operationId}`
    case operationStatus(idScope: String, registrationID: String, operationID: String)
    /// `POST /{idScope}/registrations/{registrationId}` (Device Registration Status Lookup)
    case registrationStatus(idScope: String, registrationID: String)

    var registrationID: String {
        switch self {
        case .register(_, let registrationID), .operationStatus(_, let registrationID, _),
            .registrationStatus(_, let registrationID):
            return registrationID
        }
    }

    var idScope: String {
        switch self {
        case .register(let idScope, _), .operationStatus(let idScope, _, _), .registrationStatus(let idScope, _):
            return idScope
        }
    }

    var faultRoute: CloudRoute {
        switch self {
        case .register: return .register
        case .operationStatus: return .operationStatus
        case .registrationStatus: return .registrationStatus
        }
    }

    static func match(method: String, pathSegments path: [String]) -> RouteMatch<ProvisioningRoute> {
        switch path.count {
        case 3 where path[1] == "registrations":
            guard method == "POST" else { return .methodNotAllowed(allowed: "POST") }
            return .matched(.registrationStatus(idScope: path[0], registrationID: path[2]))
        case 4 where path[1] == "registrations" && path[3] == "register":
            guard method == "PUT" else { return .methodNotAllowed(allowed: "PUT") }
            return .matched(.register(idScope: path[0], registrationID: path[2]))
        case 5 where path[1] == "registrations" && path[3] == "operations":
            guard method == "GET" else { return .methodNotAllowed(allowed: "GET") }
            return .matched(.operationStatus(idScope: path[0], registrationID: path[2], operationID: path[4]))
        default:
            return .notFound
        }
    }
}

/// IoT Hub device API routes (protocol facts §3.1).
enum HubRoute: Equatable {
    /// `POST /devices/{deviceId}/messages/events`
    case sendEvent(deviceID: String)

    static func match(method: String, pathSegments path: [String]) -> RouteMatch<HubRoute> {
        guard path.count == 4, path[0] == "devices", path[2] == "messages", path[3] == "events" else {
            return .notFound
        }
        guard method == "POST" else { return .methodNotAllowed(allowed: "POST") }
        return .matched(.sendEvent(deviceID: path[1]))
    }
}
