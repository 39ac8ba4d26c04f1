import Foundation
import X509

@testable import KelvinCloud

/// DPS and hubs without sockets: requests in, responses and ledger changes out, on a clock the
/// test moves.
struct ProvisioningHarness {
    static let hubA = LinkedHub(name: "hub-a", address: "localhost:44301", port: 44301)
    static let hubB = LinkedHub(name: "hub-b", address: "localhost:44303", port: 44303)

    var endpoint: ProvisioningEndpoint
    var ledger = CloudLedger()
    var now = Date()
    private var generator = SystemRandomNumberGenerator()

    init(
        hubs: [LinkedHub] = [hubA],
        assigningPolls: Int = 0,
        answersRegisterImmediately: Bool = false,
        enrollments: EnrollmentRegistry = EnrollmentRegistry()
    ) {
        endpoint = ProvisioningEndpoint(
            idScope: "0ne00000001",
            retryAfterSeconds: 3,
            assigningPollsBeforeAssigned: assigningPolls,
            answersRegisterImmediately: answersRegisterImmediately,
            pollLimit: RateLimit.pollsPerDevice,
            linkedHubs: hubs
        )
        ledger.enrollments = enrollments
    }

    /// The device's chain as it would send it: leaf first, then `intermediates`.
    static func chain(_ device: IssuedCertificate, _ intermediates: [IssuedCertificate]) -> [Certificate] {
        [device.certificate] + intermediates.map(\.certificate)
    }

    mutating func register(
        _ device: IssuedCertificate,
        sending intermediates: [IssuedCertificate] = [],
        apiVersion: String = "2021-10-01"
    ) -> Reply {
        send(registrationRequest(device, method: "PUT", path: "/register", apiVersion: apiVersion, intermediates))
    }

    /// A request whose body is `{"registrationId": <CN>}`, as register and the status lookup send.
    private func registrationRequest(
        _ device: IssuedCertificate,
        method: String,
        path: String,
        apiVersion: String,
        _ intermediates: [IssuedCertificate]
    ) -> CloudRequest {
        let registrationID = device.presented.commonName ?? ""
        return CloudRequest(
            method: method,
            target: "/0ne00000001/registrations/\(registrationID)\(path)?api-version=\(apiVersion)",
            // As the C, C# and Node SDKs label it (protocol-facts.md §1.2).
            headers: [HTTPHeaderField(name: "Content-Type", value: "application/json; charset=utf-8")],
            body: Array(#"{"registrationId":"\#(registrationID)"}"#.utf8),
            clientCertificate: device.presented,
            clientChain: Self.chain(device, intermediates),
            authority: "localhost:44300"
        )
    }

    mutating func poll(_ device: IssuedCertificate, _ operationID: String, sending intermediates: [IssuedCertificate] = []) -> Reply {
        let registrationID = device.presented.commonName ?? ""
        return send(
            CloudRequest(
                method: "GET",
                target: "/0ne00000001/registrations/\(registrationID)/operations/\(operationID)?api-version=2021-10-01",
                clientCertificate: device.presented,
                clientChain: Self.chain(device, intermediates)
            )
        )
    }

    mutating func lookUp(_ device: IssuedCertificate) -> Reply {
        send(registrationRequest(device, method: "POST", path: "", apiVersion: "2021-10-01", []))
    }

    /// Registers and polls until the outcome; returns the terminal reply.
    mutating func provision(_ device: IssuedCertificate, sending intermediates: [IssuedCertificate] = []) -> Reply {
        let accepted = register(device, sending: intermediates)
        guard accepted.status == 202, let operationID = accepted.json["operationId"] as? String else { return accepted }
        var reply = poll(device, operationID, sending: intermediates)
        while reply.status == 202 {
            now.addTimeInterval(3)
            reply = poll(device, operationID, sending: intermediates)
        }
        return reply
    }

    mutating func send(_ request: CloudRequest) -> Reply {
        let reply = endpoint.respond(to: request, ledger: &ledger, at: now, using: &generator)
        return Reply(response: reply.response, log: reply.logLines)
    }

    struct Reply {
        var response: CloudResponse
        var log: [String]

        var status: Int { response.status }

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        }

        var registrationState: [String: Any] { json["registrationState"] as? [String: Any] ?? [:] }

        var errorCode: Int? { json["errorCode"] as? Int }
    }
}
