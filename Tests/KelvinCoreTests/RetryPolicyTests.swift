import AzureIoT
import HTTP1
import Testing

/// A random source that always answers the same word: 0 pins a draw to the bottom of its range,
/// `UInt64.max` to the top.
struct ConstantRandom: RandomSource {
    var value: UInt64
    var draws = 0

    mutating func next() -> UInt64 {
        draws += 1
        return value
    }
}

@Suite struct SplitMix64Tests {
    @Test func seedZero_givesTheReferenceOutputs() {
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(random.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func sameSeed_sameSequence() {
        var first = SplitMix64(seed: 12_345)
        var second = SplitMix64(seed: 12_345)
        for _ in 0..<100 { #expect(first.next() == second.next()) }
    }
}

@Suite struct RetryPolicyBackoffTests {
    let policy = RetryPolicy.telemetry

    @Test func defaults_areTheDocumentedOnes() {
        #expect(
            policy
                == RetryPolicy(
                    floorMilliseconds: 1_000,
                    capMilliseconds: 60_000,
                    maximumAttempts: 6,
                    retryAfterCapMilliseconds: 600_000,
                    serverErrorFloorMilliseconds: 5_000
                )
        )
        #expect(RetryPolicy.provisioning.floorMilliseconds == 2_000)
        #expect(RetryPolicy.provisioning.capMilliseconds == 60_000)
        #expect(RetryPolicy.provisioning.maximumAttempts == 6)
    }

    /// The numbers come from running the policy once; each lies in its attempt's
    /// `floor...min(cap, floor × 2^attempt)`.
    @Test func seededSchedule_isExactlyTheseDelays() {
        var random = SplitMix64(seed: 42)
        let delays = (1...5).map { policy.backoffDelay(attempt: $0, retryAfterSeconds: nil, random: &random) }
        #expect(delays == [1_742, 1_479, 2_950, 6_163, 2_178])
        #expect(policy.backoffDelay(attempt: 6, retryAfterSeconds: nil, random: &random) == nil)

        var provisioningRandom = SplitMix64(seed: 42)
        let provisioningDelays = (1...5).map {
            RetryPolicy.provisioning.backoffDelay(attempt: $0, retryAfterSeconds: nil, random: &provisioningRandom)
        }
        #expect(provisioningDelays == [3_483, 2_959, 5_900, 12_326, 4_205])
    }

    @Test func everyDelay_liesBetweenTheFloorAndTheCeiling() {
        let policy = RetryPolicy(floorMilliseconds: 500, capMilliseconds: 30_000, maximumAttempts: 40)
        for seed in UInt64(0)..<200 {
            var random = SplitMix64(seed: seed &* 0x9E37_79B9)
            for attempt in 1..<40 {
                let ceiling = min(Int64(30_000), 500 << attempt)
                let delay = policy.backoffDelay(attempt: attempt, retryAfterSeconds: nil, random: &random)
                #expect(delay.map { (500...ceiling).contains($0) } == true, "seed \(seed), attempt \(attempt): \(String(describing: delay))")
            }
        }
    }

    @Test func ceiling_doublesFromTwiceTheFloorUntilTheCap() {
        var top = ConstantRandom(value: .max)
        var bottom = ConstantRandom(value: 0)
        let policy = RetryPolicy(maximumAttempts: 10)
        let ceilings = (1...9).map { policy.backoffDelay(attempt: $0, retryAfterSeconds: nil, random: &top) }
        #expect(ceilings == [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000])
        let floors = (1...9).map { policy.backoffDelay(attempt: $0, retryAfterSeconds: nil, random: &bottom) }
        #expect(floors == Array(repeating: 1_000, count: 9))
        #expect(top.draws == 9)
    }

    @Test func hugeAttemptNumbers_stayAtTheCapWithoutOverflow() {
        let policy = RetryPolicy(maximumAttempts: Int.max)
        var top = ConstantRandom(value: .max)
        for attempt in [62, 63, 64, 10_000, Int.max - 1] {
            #expect(policy.backoffDelay(attempt: attempt, retryAfterSeconds: nil, random: &top) == 60_000)
        }
        let hugeFloor = RetryPolicy(floorMilliseconds: Int64.max / 2, capMilliseconds: .max, maximumAttempts: 20_000)
        #expect(hugeFloor.backoffDelay(attempt: 10_000, retryAfterSeconds: nil, random: &top) == .max)
    }

    @Test func attempts_runOutExactlyAtTheMaximum() {
        var random = SplitMix64(seed: 1)
        let trouble = RetryTrouble.status(503, errorCode: 503_001)
        for attempt in 1..<6 {
            guard case .retry = policy.decide(attempt: attempt, after: trouble, retryAfterSeconds: nil, random: &random) else {
                Issue.record("attempt \(attempt) should retry")
                continue
            }
        }
        #expect(policy.decide(attempt: 6, after: trouble, retryAfterSeconds: nil, random: &random) == .giveUp)
        #expect(policy.decide(attempt: 7, after: trouble, retryAfterSeconds: 5, random: &random) == .giveUp)
        #expect(policy.backoffDelay(attempt: 6, retryAfterSeconds: 5, random: &random) == nil)
    }

    @Test func maximumAttempts_isAtLeastOne() {
        let policy = RetryPolicy(maximumAttempts: 0)
        var random = SplitMix64(seed: 1)
        #expect(policy.maximumAttempts == 1)
        #expect(policy.decide(attempt: 1, after: .timedOut, retryAfterSeconds: nil, random: &random) == .giveUp)
    }

    @Test func retryAfter_isHonouredExactlyWithoutADraw() {
        var random = ConstantRandom(value: .max)
        #expect(policy.backoffDelay(attempt: 1, retryAfterSeconds: 5, random: &random) == 5_000)
        #expect(policy.backoffDelay(attempt: 3, retryAfterSeconds: 120, random: &random) == 120_000)
        #expect(policy.decide(attempt: 2, after: .status(429, errorCode: 429_001), retryAfterSeconds: 7, random: &random) == .retry(afterMilliseconds: 7_000))
        #expect(random.draws == 0)
    }

    @Test func retryAfter_isClampedToTheFloorAndTheRetryAfterCap() {
        var random = ConstantRandom(value: 0)
        #expect(policy.backoffDelay(attempt: 1, retryAfterSeconds: 0, random: &random) == 1_000)
        #expect(policy.backoffDelay(attempt: 1, retryAfterSeconds: -3, random: &random) == 1_000)
        #expect(policy.backoffDelay(attempt: 1, retryAfterSeconds: 1_000_000_000, random: &random) == 600_000)
        #expect(policy.backoffDelay(attempt: 1, retryAfterSeconds: Int.max, random: &random) == 600_000)
        #expect(policy.backoffDelay(attempt: 1, retryAfterSeconds: 600, random: &random) == 600_000)
        #expect(policy.backoffDelay(attempt: 1, retryAfterSeconds: 601, random: &random) == 600_000)
    }
}

@Suite struct RetryPolicyClassificationTests {
    let policy = RetryPolicy.telemetry

    func decide(_ trouble: RetryTrouble) -> RetryDecision {
        var random = ConstantRandom(value: 0)
        return policy.decide(attempt: 1, after: trouble, retryAfterSeconds: nil, random: &random)
    }

    static let retriable: [RetryTrouble] = [
        .status(429, errorCode: 429_001), .status(429, errorCode: nil), .status(408, errorCode: nil),
        .status(403, errorCode: 403_002), .status(403, errorCode: 403_004),
        .timedOut, .connectionFailed,
    ]

    static let serverErrors: [RetryTrouble] = [
        .status(500, errorCode: 500_001), .status(502, errorCode: nil), .status(503, errorCode: 503_005),
        .status(504, errorCode: 504_101), .status(599, errorCode: nil),
    ]

    static let identity: [RetryTrouble] = [
        .status(401, errorCode: 401_002), .status(401, errorCode: 401_003), .status(401, errorCode: nil),
        .status(403, errorCode: 403_012), .status(403, errorCode: nil),
        .status(404, errorCode: 404_001), .status(404, errorCode: nil),
    ]

    static let hopeless: [RetryTrouble] = [
        .status(400, errorCode: 400_006), .status(400, errorCode: nil), .status(413, errorCode: 413_001),
        .status(405, errorCode: nil), .status(409, errorCode: nil), .status(412, errorCode: nil),
        .status(415, errorCode: nil), .status(499, errorCode: nil),
        .status(100, errorCode: nil), .status(301, errorCode: nil), .status(304, errorCode: nil),
        .status(600, errorCode: nil),
    ]

    @Test(arguments: retriable)
    func transientTrouble_isRetriedAfterTheFloor(trouble: RetryTrouble) {
        #expect(decide(trouble) == .retry(afterMilliseconds: 1_000))
    }

    /// Azure's guidance: "the first retry at least 5 seconds after the response" (docs/azure-facts.md §6).
    @Test(arguments: serverErrors)
    func serverError_isRetriedNoSoonerThanFiveSeconds(trouble: RetryTrouble) {
        #expect(decide(trouble) == .retry(afterMilliseconds: 5_000))
        var random = ConstantRandom(value: 0)
        #expect(policy.decide(attempt: 1, after: trouble, retryAfterSeconds: 1, random: &random) == .retry(afterMilliseconds: 5_000))
        #expect(policy.decide(attempt: 1, after: trouble, retryAfterSeconds: 9, random: &random) == .retry(afterMilliseconds: 9_000))
        var top = ConstantRandom(value: .max)
        #expect(policy.decide(attempt: 1, after: trouble, retryAfterSeconds: nil, random: &top) == .retry(afterMilliseconds: 10_000))
    }

    @Test(arguments: identity)
    func identityTrouble_provisionsAgain(trouble: RetryTrouble) {
        #expect(decide(trouble) == .reprovision)
    }

    @Test(arguments: hopeless)
    func messageTheHubWillNeverTake_isDropped(trouble: RetryTrouble) {
        #expect(decide(trouble) == .dropMessage)
    }

    @Test func reprovisionAndDrop_doNotDependOnTheAttempt() {
        var random = ConstantRandom(value: 0)
        #expect(policy.decide(attempt: 99, after: .status(401, errorCode: 401_002), retryAfterSeconds: nil, random: &random) == .reprovision)
        #expect(policy.decide(attempt: 99, after: .status(413, errorCode: 413_001), retryAfterSeconds: nil, random: &random) == .dropMessage)
        #expect(random.draws == 0)
    }

    @Test func troubleAndDecision_printAsOneLine() {
        #expect(RetryTrouble.status(503, errorCode: 503_001).description == "HTTP 503 (error 503001)")
        #expect(RetryTrouble.status(500, errorCode: nil).description == "HTTP 500")
        #expect(RetryDecision.retry(afterMilliseconds: 1_500).description == "retrying in 1500 ms")
        #expect(RetryDecision.giveUp.description == "keeping the message for later")
    }
}

/// The policy's decision from the hub's answer as it arrives, in both of the hub's error shapes
/// (docs/azure-facts.md §1): the older one carries a name, not a number, and must decide the same.
@Suite struct RetryPolicyHubErrorShapeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let status: Int
        let name: String
        let code: Int
        let decision: RetryDecision
        var testDescription: String { "\(status) \(name)" }
    }

    static let cases: [Case] = [
        Case(status: 403, name: "IotHubQuotaExceeded", code: 403_002, decision: .retry(afterMilliseconds: 1_000)),
        Case(status: 403, name: "DeviceMaximumQueueDepthExceeded", code: 403_004, decision: .retry(afterMilliseconds: 1_000)),
        Case(status: 403, name: "DeviceDisabled", code: 403_012, decision: .reprovision),
        Case(status: 401, name: "IotHubUnauthorizedAccess", code: 401_002, decision: .reprovision),
        Case(status: 404, name: "DeviceNotFound", code: 404_001, decision: .reprovision),
        Case(status: 429, name: "ThrottlingException", code: 429_001, decision: .retry(afterMilliseconds: 1_000)),
        Case(status: 503, name: "ServerBusy", code: 503_005, decision: .retry(afterMilliseconds: 5_000)),
        Case(status: 400, name: "ArgumentInvalid", code: 400_004, decision: .dropMessage),
    ]

    static func newShape(_ item: Case, header: Bool = true) -> HTTPResponse {
        let body = #"{"Message":"{\"errorCode\":\#(item.code),\"trackingId\":\"t\",\"message\":\"m\",\"timestampUtc\":\"2026-12-07T00:00:00Z\"}","ExceptionMessage":""}"#
        return HTTPResponse(status: item.status, headers: header ? [HTTPHeader("iothub-errorcode", item.name)] : [], body: Array(body.utf8))
    }

    static func legacyShape(_ item: Case, header: Bool) -> HTTPResponse {
        let body = #"{"Message":"ErrorCode:\#(item.name);Something went wrong","ExceptionMessage":"Tracking ID:651347e2-G:11-TimeStamp:12/07/2026 15:53:06"}"#
        return HTTPResponse(status: item.status, headers: header ? [HTTPHeader("iothub-errorcode", item.name)] : [], body: Array(body.utf8))
    }

    func decide(_ response: HTTPResponse) -> RetryDecision {
        let failure = ServiceFailure(hubResponse: response)
        var random = ConstantRandom(value: 0)
        return RetryPolicy.telemetry.decide(attempt: 1, after: .status(failure.httpStatus, errorCode: failure.errorCode), retryAfterSeconds: nil, random: &random)
    }

    @Test(arguments: cases)
    func bothShapes_decideAlike(item: Case) {
        #expect(ServiceFailure(hubResponse: Self.newShape(item)).errorCode == item.code)
        #expect(ServiceFailure(hubResponse: Self.legacyShape(item, header: true)).errorCode == item.code)
        #expect(ServiceFailure(hubResponse: Self.legacyShape(item, header: false)).errorCode == item.code)
        #expect(decide(Self.newShape(item)) == item.decision)
        #expect(decide(Self.legacyShape(item, header: true)) == item.decision)
        #expect(decide(Self.legacyShape(item, header: false)) == item.decision)
    }

    @Test func legacyQuota_isKeptNotReprovisioned() {
        let quota = Self.cases[0]
        #expect(decide(Self.legacyShape(quota, header: false)) != .reprovision)
        #expect(decide(Self.legacyShape(quota, header: true)) != .reprovision)
    }

    @Test func headerAlone_namesTheCode_whenTheBodyIsNotJSON() {
        let response = HTTPResponse(status: 403, headers: [HTTPHeader("iothub-errorcode", "IotHubQuotaExceeded")], body: Array("<html>quota</html>".utf8))
        #expect(ServiceFailure(hubResponse: response).errorCode == 403_002)
        #expect(decide(response) == .retry(afterMilliseconds: 1_000))
    }

    @Test func aNumberInTheBody_winsOverTheName() {
        let response = HTTPResponse(status: 403, headers: [HTTPHeader("iothub-errorcode", "DeviceDisabled")],
                                    body: Array(#"{"Message":"{\"errorCode\":403002}","ExceptionMessage":""}"#.utf8))
        #expect(ServiceFailure(hubResponse: response).errorCode == 403_002)
    }

    @Test func unknownNames_leaveNoCode() {
        let response = HTTPResponse(status: 403, headers: [HTTPHeader("iothub-errorcode", "SomethingNew")],
                                    body: Array(#"{"Message":"ErrorCode:AlsoNew;text","ExceptionMessage":""}"#.utf8))
        #expect(ServiceFailure(hubResponse: response).errorCode == nil)
        // Prefix and case must match exactly: the hub's names are case-sensitive enum names.
        let odd = HTTPResponse(status: 403, body: Array(#"{"Message":"errorcode:IotHubQuotaExceeded","ExceptionMessage":""}"#.utf8))
        #expect(ServiceFailure(hubResponse: odd).errorCode == nil)
        let bare = HTTPResponse(status: 403, body: Array(#"{"Message":"ErrorCode:IotHubQuotaExceeded","ExceptionMessage":""}"#.utf8))
        #expect(ServiceFailure(hubResponse: bare).errorCode == 403_002)
    }
}
