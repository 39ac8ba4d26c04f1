import Testing

@testable import KelvinCloud

@Suite struct RoutingTests {
    @Test func requestTarget_splitsAndDecodesPathAndQuery() {
        let target = RequestTarget(
            "/0ne00000001/registrations/my%2Ddevice/register?api-version=2021-06-01&forceRegistration=true&flag"
        )
        #expect(target.pathSegments == ["0ne00000001", "registrations", "my-device", "register"])
        #expect(target.queryValue("api-version") == "2021-06-01")
        #expect(target.queryValue("forceRegistration") == "true")
        #expect(target.queryValue("flag") == "")
        #expect(target.queryValue("missing") == nil)
    }

    @Test func percentDecoding_keepsMalformedEscapesAndTreatsPlusBySection() {
        #expect(RequestTarget.percentDecoded("a%zzb%4", plusIsSpace: false) == "a%zzb%4")
        #expect(RequestTarget.percentDecoded("a+b", plusIsSpace: false) == "a+b")
        #expect(RequestTarget.percentDecoded("a+b", plusIsSpace: true) == "a b")
        #expect(RequestTarget.percentDecoded("%C3%A9", plusIsSpace: false) == "é")
    }

    @Test func requestTarget_ignoresEmptySegments() {
        #expect(RequestTarget("//devices/d//messages/events/").pathSegments == ["devices", "d", "messages", "events"])
        #expect(RequestTarget("/").pathSegments.isEmpty)
    }

    @Test func provisioningRoutes() {
        #expect(
            ProvisioningRoute.match(method: "PUT", pathSegments: ["s", "registrations", "r", "register"])
                == .matched(.register(idScope: "s", registrationID: "r"))
        )
        #expect(
            ProvisioningRoute.match(method: "GET", pathSegments: ["s", "registrations", "r", "operations", "o"])
                == .matched(.operationStatus(idScope: "s", registrationID: "r", operationID: "o"))
        )
        #expect(
            ProvisioningRoute.match(method: "GET", pathSegments: ["s", "registrations", "r", "register"])
                == .methodNotAllowed(allowed: "PUT")
        )
        #expect(
            ProvisioningRoute.match(method: "PUT", pathSegments: ["s", "registrations", "r", "operations", "o"])
                == .methodNotAllowed(allowed: "GET")
        )
        #expect(
            ProvisioningRoute.match(method: "POST", pathSegments: ["s", "registrations", "r"])
                == .matched(.registrationStatus(idScope: "s", registrationID: "r"))
        )
        #expect(
            ProvisioningRoute.match(method: "GET", pathSegments: ["s", "registrations", "r"])
                == .methodNotAllowed(allowed: "POST")
        )
        #expect(
            ProvisioningRoute.match(method: "PUT", pathSegments: ["s", "enrollments", "r", "register"]) == .notFound
        )
    }

    @Test func hubRoutes() {
        #expect(
            HubRoute.match(method: "POST", pathSegments: ["devices", "d", "messages", "events"])
                == .matched(.sendEvent(deviceID: "d"))
        )
        #expect(
            HubRoute.match(method: "GET", pathSegments: ["devices", "d", "messages", "events"])
                == .methodNotAllowed(allowed: "POST")
        )
        #expect(HubRoute.match(method: "GET", pathSegments: ["devices", "d", "messages", "deviceBound"]) == .notFound)
    }

    @Test(arguments: ["my-device", "a", "A.b_c:d-", "x0", String(repeating: "a", count: 128)])
    func validRegistrationIDs(_ candidate: String) {
        #expect(RegistrationID.isValid(candidate))
    }

    @Test(arguments: ["", "ends.", "ends_", "ends:", "has space", "bad!id", "é", String(repeating: "a", count: 129)])
    func invalidRegistrationIDs(_ candidate: String) {
        #expect(!RegistrationID.isValid(candidate))
    }
}
