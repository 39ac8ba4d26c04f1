import Foundation

/// What the services' requests came to, for the desk: how many each route answered and refused,
/// and the latest refusals with their error codes.
///
/// A bench session can run for days, so refusals are kept in a ring of fixed size and the counts
/// are per service and route, never per request.
struct ExchangeBook: Sendable, Equatable {
    static let keptRefusals = 50

    struct Tally: Sendable, Equatable {
        var service: String
        var route: String
        var answered = 0
        var refused = 0
        /// Of the refused, those answered 429.
        var throttled = 0
    }

    /// One request that did not get a 2xx answer.
    struct Refusal: Sendable, Equatable {
        var at: Date
        var service: String
        var route: String
        /// The registration ID or device ID the request named, when it named one.
        var subject: String?
        /// The status code, when the request got an answer at all.
        var status: Int?
        /// `x-ms-error-code` (DPS) or `iothub-errorcode` (hub), when the answer carried one.
        var errorCode: String?
        /// What happened, in a few words: "503", "closed before answering", "never answered", ….
        var outcome: String
    }

    private(set) var tallies: [Tally] = []
    /// Oldest first; at most ``keptRefusals``.
    private(set) var recentRefusals: [Refusal] = []

    mutating func record(_ plan: ResponsePlan, service: String, route: String, subject: String?, at now: Date) {
        let (response, outcome) = Self.outcome(of: plan)
        let status = response?.status
        let isRefusal = outcome != nil || !(200..<300).contains(status ?? 0)
        let index = tallies.firstIndex { $0.service == service && $0.route == route } ?? {
            tallies.append(Tally(service: service, route: route))
            return tallies.count - 1
        }()
        guard isRefusal else {
            tallies[index].answered += 1
            return
        }
        tallies[index].refused += 1
        if status == 429 { tallies[index].throttled += 1 }
        let errorCode = response.flatMap { response in
            response.headers.first { ["x-ms-error-code", "iothub-errorcode"].contains($0.name.lowercased()) }?.value
        }
        recentRefusals.append(
            Refusal(
                at: now,
                service: service,
                route: route,
                subject: subject,
                status: status,
                errorCode: errorCode,
                outcome: outcome ?? status.map(String.init) ?? "no answer"
            )
        )
        if recentRefusals.count > Self.keptRefusals {
            recentRefusals.removeFirst(recentRefusals.count - Self.keptRefusals)
        }
    }

    /// The response the client is sent (if any), and how the exchange went wrong when that is more
    /// than its status code.
    private static func outcome(of plan: ResponsePlan) -> (CloudResponse?, String?) {
        switch plan {
        case .respond(let response, _): return (response, nil)
        case .close: return (nil, "closed before answering")
        case .stall: return (nil, "never answered")
        case .garbage: return (nil, "answered with garbage")
        case .cutMidBody(let response): return (response, "\(response.status), cut in the middle of the body")
        case .drip(let response, _, _):
            // A slow answer is still an answer; only its status says whether it refused.
            return (response, nil)
        }
    }
}
