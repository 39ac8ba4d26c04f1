import Agent
import AzureIoT
import HTTP1

/// A discrete-event simulation of a fleet of `kelvin run` devices against one DPS instance and
/// its hubs, on a virtual clock.
///
/// Each device is the real ``TelemetryStateMachine`` driven as the agent's event loop drives it
/// (carry out actions until `.wait`, then wait for the deadline or the answer), except that the
/// waiting is an entry in an ``EventQueue``: the run takes as long as the computing, not the
/// virtual 45 minutes.
public struct FleetSimulator {
    enum Event {
        case wake(device: Int)
        case answer(device: Int, token: UInt64)
    }

    public let scenario: FleetScenario
    private var devices: [FleetDevice] = []
    private var dps: SimulatedDPS
    private var hub: SimulatedHub
    private var queue = EventQueue<Event>()
    private var timeline: FleetTimeline
    private var tally = FleetTally()
    private var nextToken: UInt64 = 0
    private var takenAt: [[Int64]]
    private var hubSteadyBurst = SlidingWindow(maximum: .max, windowMilliseconds: 1_000)
    private var hubBurstAfter = SlidingWindow(maximum: .max, windowMilliseconds: 1_000)
    private var hubRetryBurst = SlidingWindow(maximum: .max, windowMilliseconds: 1_000)
    private var dpsBurst = SlidingWindow(maximum: .max, windowMilliseconds: 1_000)

    static let oldHub = "fleet-hub-a.azure-devices.net"
    static let newHub = "fleet-hub-b.azure-devices.net"
    static let dpsHost = "global.azure-devices-provisioning.net"
    static let idScope = "0ne00FLEET"

    public init(scenario: FleetScenario) {
        self.scenario = scenario
        let failover = scenario.trouble == .hubFailover
        dps = SimulatedDPS(
            devices: scenario.devices, registrationsPerMinute: scenario.registrationsPerMinute,
            assignedHub: failover ? Self.newHub : Self.oldHub,
            substatus: failover ? "deviceDataMigrated" : "initialAssignment"
        )
        hub = SimulatedHub(
            devices: scenario.devices, oldHub: Self.oldHub,
            forgetsDevicesAt: failover ? scenario.troubleStartsAtMilliseconds : nil
        )
        timeline = FleetTimeline(durationMilliseconds: scenario.durationMilliseconds)
        takenAt = Array(repeating: [0], count: scenario.devices)
        var fleetRandom = SplitMix64(seed: scenario.seed)
        for index in 0..<scenario.devices {
            let device = Self.makeDevice(index: index, scenario: scenario, random: &fleetRandom)
            devices.append(device)
            queue.schedule(.wake(device: index), at: fleetRandom.uniform(in: 0...(scenario.bootSpreadMilliseconds - 1)))
        }
    }

    private static func makeDevice(index: Int, scenario: FleetScenario, random: inout SplitMix64) -> FleetDevice {
        let name = "fleet-\(index)"
        // Every name here is a valid registration ID; a failure would be a bug in this file.
        let registrationID = (try? RegistrationID(commonName: name))!
        let provisioning = ProvisioningSettings(
            endpoint: Endpoint(host: dpsHost), idScope: idScope, registrationID: registrationID)
        let key = AssignmentKey(
            dpsEndpoint: dpsHost, idScope: idScope, registrationID: name,
            certificateSHA256: String(repeating: "0", count: 64))
        let saved = SavedAssignment(
            assignment: Assignment(hub: Endpoint(host: oldHub), deviceID: name, substatus: "initialAssignment"),
            assignedAtSeconds: FleetClock.epochMilliseconds / 1000 - 86_400, key: key)
        let machine = TelemetryStateMachine(
            settings: FleetDevice.settings(
                intervalMilliseconds: scenario.intervalMilliseconds, provisioning: provisioning, key: key),
            saved: saved, outbox: Outbox(capacity: RunOptions().backlogLimit), messageIDPrefix: "\(name)-0000cafe",
            // The device's own jitter source, seeded per device as a real one is from the kernel.
            random: SplitMix64(seed: scenario.seed &* 0x1_0000_0001 &+ UInt64(index))
        )
        return FleetDevice(
            index: index, registrationID: name, machine: machine,
            clockSkewMilliseconds: random.uniform(in: -500...500),
            network: SplitMix64(seed: random.next()), inFlight: nil, wakeAt: nil
        )
    }

    /// Runs the scenario to its end and checks the fleet's behaviour.
    public mutating func run() -> FleetResult {
        while let (now, event) = queue.popFirst(), now <= scenario.durationMilliseconds {
            switch event {
            case .wake(let index):
                guard devices[index].wakeAt == nil || devices[index].wakeAt == now else { continue }
                devices[index].wakeAt = nil
                turn(index, now: now)
            case .answer(let index, let token):
                guard let inFlight = devices[index].inFlight, inFlight.token == token else { continue }
                devices[index].inFlight = nil
                switch inFlight.answer {
                case .response(let response):
                    devices[index].machine.responseReceived(
                        response, nowMilliseconds: now, wallClockMilliseconds: devices[index].wallClock(at: now))
                case .failed(let problem):
                    devices[index].machine.requestFailed(problem, transient: true, nowMilliseconds: now)
                }
                turn(index, now: now)
            }
        }
        return result()
    }

    /// Carries out the device's actions until it waits, as `AgentLoop.carryOutActions` does.
    private mutating func turn(_ index: Int, now: Int64) {
        while true {
            let wallClock = devices[index].wallClock(at: now)
            switch devices[index].machine.nextAction(nowMilliseconds: now, wallClockMilliseconds: wallClock) {
            case .takeReading(let sequence, let stamp):
                let reading = devices[index].reading(sequence: sequence, takenAtMilliseconds: stamp)
                devices[index].machine.readingTaken(reading)
                devices[index].readingsTaken += 1
                devices[index].lastSequence = max(devices[index].lastSequence, sequence)
                while takenAt[index].count <= sequence { takenAt[index].append(0) }
                takenAt[index][sequence] = now
            case .send(let request):
                send(request, from: index, now: now)
            case .save:
                tally.saves += 1
            case .report(let event):
                tally.count(event)
                if case .provisioned(_, _, true) = event { tally.lastRegisteredAgainAt = now }
            case .wait(let until):
                guard let until else { return }
                // A deadline already past would spin; one millisecond on keeps the clock moving.
                let at = max(until, now + 1)
                devices[index].wakeAt = at
                queue.schedule(.wake(device: index), at: at)
                return
            case .stop:
                tally.stopped += 1
                return
            }
        }
    }

    private var troubleStart: Int64 { scenario.troubleStartsAtMilliseconds }

    private func unreachable(at now: Int64) -> Bool {
        guard case .outage = scenario.trouble else { return false }
        return now >= troubleStart && now < scenario.troubleEndsAtMilliseconds
    }

    private mutating func send(_ request: TelemetryRequest, from index: Int, now: Int64) {
        let sent: FleetDevice.Sent
        switch request {
        case .provisioning(let service):
            sent = service.method == .get ? .poll : .register
            timeline.countDPS(at: now)
            _ = dpsBurst.record(at: now)
            tally.peakDPSPerSecond = max(tally.peakDPSPerSecond, dpsBurst.count(at: now))
        case .message(let message):
            sent = .hub(host: message.hub.host, sequences: [message.reading.sequence])
        case .batch(let batch):
            let sequences = devices[index].machine.outbox.pending.prefix(batch.count).map(\.sequence)
            sent = .hub(host: batch.hub.host, sequences: sequences)
        }
        if case .hub(_, let sequences) = sent {
            let retry = (sequences.first ?? .max) <= devices[index].highestSequenceSent
            devices[index].highestSequenceSent = max(devices[index].highestSequenceSent, sequences.last ?? 0)
            countHubRequest(at: now, retry: retry)
        }

        let answer: FleetDevice.Answer
        let latency: Int64
        if unreachable(at: now) {
            // Half the fleet meets refused connections, half a path that drops packets.
            if index % 2 == 0 {
                latency = devices[index].network.uniform(in: 5...50)
                answer = .failed("connection refused")
            } else {
                latency = RunOptions().connectTimeoutMilliseconds
                answer = .failed("connect timed out")
            }
        } else {
            latency = devices[index].network.uniform(in: 40...250)
            // The service acts on a request that arrived before the outage, but its answer
            // does not make it back: at-least-once delivery sends that reading again.
            let answerLost = unreachable(at: now + latency)
            let response = serve(sent, from: index, answerLost: answerLost, now: now)
            answer = answerLost ? .failed("connection reset") : .response(response)
            if answerLost { tally.answersLost += 1 }
        }
        let token = nextToken
        nextToken += 1
        devices[index].inFlight = FleetDevice.InFlight(token: token, answer: answer)
        queue.schedule(.answer(device: index, token: token), at: now + latency)
    }

    private mutating func serve(_ sent: FleetDevice.Sent, from index: Int, answerLost: Bool, now: Int64) -> HTTPResponse {
        let registrationID = devices[index].registrationID
        switch sent {
        case .register:
            return dps.register(device: index, at: now)
        case .poll:
            return dps.poll(device: index, registrationID: registrationID, at: now)
        case .hub(let host, let sequences):
            let response = hub.post(
                device: index, deviceID: registrationID, to: host, sequences: sequences, answerLost: answerLost, at: now)
            if response.status == 204, now >= scenario.troubleEndsAtMilliseconds,
                sequences.contains(where: { takenAt[index][$0] < scenario.troubleEndsAtMilliseconds })
            {
                tally.backlogClearedAt = max(tally.backlogClearedAt ?? now, now)
            }
            return response
        }
    }

    private mutating func countHubRequest(at now: Int64, retry: Bool) {
        timeline.countHub(at: now, retry: retry)
        if now >= scenario.troubleEndsAtMilliseconds {
            tally.peakHubPerSecondAfter = max(tally.peakHubPerSecondAfter, hubBurstAfter.record(at: now))
            if retry { tally.peakHubRetriesPerSecondAfter = max(tally.peakHubRetriesPerSecondAfter, hubRetryBurst.record(at: now)) }
        } else if now < troubleStart, now >= scenario.bootSpreadMilliseconds {
            tally.peakHubPerSecondSteady = max(tally.peakHubPerSecondSteady, hubSteadyBurst.record(at: now))
        }
    }

    private func result() -> FleetResult {
        let end = scenario.durationMilliseconds
        var taken = 0
        var pending = 0
        var stalePending = 0
        var lost = 0
        for device in devices {
            taken += device.readingsTaken
            let queued = Set(device.machine.outbox.pending.map(\.sequence))
            pending += queued.count
            for sequence in 1...max(device.lastSequence, 1) where device.lastSequence > 0 {
                if queued.contains(sequence) {
                    if end - takenAt[device.index][sequence] > 5 * 60_000 { stalePending += 1 }
                } else if !hub.stored(device: device.index, sequence: sequence) {
                    lost += 1
                }
            }
        }
        return FleetResult(
            scenario: scenario, dps: dps.counts, hub: hub.counts, tally: tally, timeline: timeline,
            readingsTaken: taken, pendingAtEnd: pending, stalePendingAtEnd: stalePending, lost: lost
        )
    }
}
