import Agent
import AzureIoT
import HTTP1
import HTTPSClient
import Platform
import Wire

/// `kelvin send`: readings straight to a hub, without DPS — for the bench, and the benchmark's
/// client. Prints one summary line, so that what is measured is the sending.
struct SendRun {
    let options: SendOptions
    let clock = MonotonicClock()

    func run() throws(Fatal) {
        Process.ignoreBrokenPipe()
        guard let hub = Endpoint(parsing: options.hubEndpoint) else {
            throw Fatal(message: "--hub \"\(options.hubEndpoint)\" is not host or host:port", exitCode: .usage)
        }
        let proxySettings = try ClientSetup.proxySettings(options.connection)
        let identity = try DeviceIdentity.load(options.connection, clock: clock)
        let deviceID = options.deviceID ?? identity.registrationID.value
        var client = ClientSetup.client(options.connection, identity: identity, proxySettings: proxySettings)
        var sender = ReadingSender(assignment: Assignment(hub: hub, deviceID: deviceID, substatus: ""), identity: identity)
        let start = clock.nowMilliseconds
        var nextReading = start
        while sender.sent < options.count {
            _ = try sender.sendNext(client: &client, clock: clock, log: { Main.warn($0) })
            if options.reconnectEach { client.closeAll() }
            nextReading += options.intervalMilliseconds
            if sender.sent < options.count && options.intervalMilliseconds > 0 {
                clock.sleep(milliseconds: nextReading - clock.nowMilliseconds)
            }
        }
        let elapsed = clock.nowMilliseconds - start
        Console.print("kelvin: sent \(sender.sent) readings to \(hub) as device \(deviceID) over \(client.connectionsOpened) TLS connections (\(client.connectionsResumed) resumed) in \(elapsed) ms")
        client.closeAll()
    }
}
