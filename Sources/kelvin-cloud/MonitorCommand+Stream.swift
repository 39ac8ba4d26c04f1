import Foundation

/// Reading the admin API and printing each message as `az iot hub monitor-events` does.
extension MonitorCommand {
    /// Polling rather than long-polling: the admin API answers every request at once under the
    /// server's one lock, and parking requests until telemetry arrives would need a wake-up path
    /// from the hubs into it. A quarter of a second is not noticeable when watching a bench, and
    /// costs an idle emulator four tiny requests a second.
    static let pollInterval = 0.25

    /// Streams until Ctrl-C or SIGTERM, which end the run with 0.
    static func execute(_ options: MonitorOptions) -> Int32 {
        let stop = DispatchSemaphore(value: 0)
        let signalSources = [SIGINT, SIGTERM].map { signalNumber in
            // Ctrl-C is how the user says they have seen enough, so it ends the run with 0.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            return source
        }
        defer { signalSources.forEach { $0.cancel() } }
        return stream(options, until: stop, print: Console.say, complain: Console.complain)
    }

    private struct Listing: Decodable {
        var latestSequence: Int
        var messages: [AdminMessage]
    }

    /// Polls until `stop` is signalled; returns the exit status. `started` runs once the point
    /// from which messages count is fixed, so a caller can send knowing they will be shown.
    static func stream(
        _ options: MonitorOptions,
        until stop: DispatchSemaphore,
        started: () -> Void = {},
        print: (String) -> Void,
        complain: (String) -> Void
    ) -> Int32 {
        let client = AdminClient(port: options.adminPort)
        var query = ""
        if let device = options.deviceID {
            query = "&deviceId=" + (device.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? device)
        }
        do throws(AdminClient.Failure) {
            var cursor = 0
            if options.since == .now {
                // A cursor past any message yields none, only the sequence to start after.
                cursor = try listing(client, "/admin/messages?after=\(Int.max)\(query)").latestSequence
            }
            started()
            let earliest: Date? = if case .time(let instant) = options.since { instant } else { nil }
            repeat {
                let page = try listing(client, "/admin/messages?after=\(cursor)\(query)")
                if page.latestSequence < cursor {
                    // The emulator restarted and counts from 1 again; start over with its messages.
                    cursor = 0
                    continue
                }
                for message in page.messages.sorted(by: { $0.sequence < $1.sequence }) {
                    if let hub = options.hubName, message.hub != hub { continue }
                    if let earliest, let received = UTCTime.parse(message.receivedAt), received < earliest { continue }
                    print(MonitorEvent.line(for: message))
                }
                cursor = page.latestSequence
            } while stop.wait(timeout: .now() + pollInterval) == .timedOut
            return ExitStatus.success
        } catch {
            switch error {
            case .notRunning(let port):
                complain(
                    "kelvin-cloud: no kelvin-cloud admin API on 127.0.0.1:\(port) — start `kelvin-cloud serve` or pass --admin-port"
                )
            case .broken(let problem):
                complain("kelvin-cloud: \(problem)")
            }
            return ExitStatus.unavailable
        }
    }

    private static func listing(_ client: AdminClient, _ pathAndQuery: String) throws(AdminClient.Failure) -> Listing {
        let body = try client.get(pathAndQuery)
        do {
            return try JSONDecoder().decode(Listing.self, from: body)
        } catch {
            throw .broken("unexpected answer from the admin API on 127.0.0.1:\(client.port): \(error)")
        }
    }
}
