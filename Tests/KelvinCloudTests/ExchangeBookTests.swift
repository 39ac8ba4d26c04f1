import Foundation
import Testing

@testable import KelvinCloud

/// What the desk shows of the services' traffic: tallies per route and a bounded ring of refusals.
@Suite struct ExchangeBookTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func response(_ status: Int, _ headers: [HTTPHeaderField] = []) -> CloudResponse {
        CloudResponse(status: status, headers: headers)
    }

    @Test func answersAndRefusals_areTalliedPerServiceAndRoute() {
        var book = ExchangeBook()

        book.record(.respond(response(204), delaySeconds: 0), service: "hub", route: "telemetry", subject: "d1", at: now)
        book.record(.respond(response(204), delaySeconds: 0), service: "hub", route: "telemetry", subject: "d1", at: now)
        book.record(
            .respond(response(429, [HTTPHeaderField(name: "iothub-errorcode", value: "ThrottlingException")]), delaySeconds: 0),
            service: "hub", route: "telemetry", subject: "d1", at: now
        )
        book.record(.respond(response(202), delaySeconds: 0), service: "dps", route: "register", subject: "d1", at: now)

        #expect(
            book.tallies == [
                ExchangeBook.Tally(service: "hub", route: "telemetry", answered: 2, refused: 1, throttled: 1),
                ExchangeBook.Tally(service: "dps", route: "register", answered: 1, refused: 0, throttled: 0),
            ]
        )
        #expect(book.recentRefusals.count == 1)
        #expect(book.recentRefusals.first?.errorCode == "ThrottlingException")
        #expect(book.recentRefusals.first?.status == 429)
        #expect(book.recentRefusals.first?.outcome == "429")
    }

    /// A connection closed, stalled or cut is a refusal even when the cut answer said 200.
    @Test func answersThatNeverArriveWhole_areRefusalsWithWhatHappened() {
        var book = ExchangeBook()

        book.record(.close, service: "hub", route: "telemetry", subject: "d1", at: now)
        book.record(.stall, service: "hub", route: "telemetry", subject: "d1", at: now)
        book.record(.garbage, service: "dps", route: "register", subject: "d1", at: now)
        book.record(.cutMidBody(response(200)), service: "dps", route: "operationStatus", subject: "d1", at: now)
        book.record(.drip(response(204), bytesPerWrite: 1, intervalSeconds: 0.1), service: "hub", route: "telemetry", subject: "d1", at: now)

        #expect(
            book.recentRefusals.map(\.outcome) == [
                "closed before answering", "never answered", "answered with garbage", "200, cut in the middle of the body",
            ]
        )
        #expect(book.recentRefusals.map(\.status) == [nil, nil, nil, 200])
        #expect(book.tallies.first { $0.route == "telemetry" }?.answered == 1)
    }

    @Test func refusals_keepOnlyTheNewest() {
        var book = ExchangeBook()

        for index in 0..<(ExchangeBook.keptRefusals + 7) {
            book.record(
                .respond(response(503, [HTTPHeaderField(name: "x-ms-error-code", value: "503000")]), delaySeconds: 0),
                service: "dps", route: "register", subject: "device-\(index)", at: now
            )
        }

        #expect(book.recentRefusals.count == ExchangeBook.keptRefusals)
        #expect(book.recentRefusals.first?.subject == "device-7")
        #expect(book.recentRefusals.last?.subject == "device-\(ExchangeBook.keptRefusals + 6)")
        #expect(book.recentRefusals.allSatisfy { $0.errorCode == "503000" })
        #expect(book.tallies.first?.refused == ExchangeBook.keptRefusals + 7)
    }
}
