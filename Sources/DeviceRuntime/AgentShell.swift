import Agent
import AzureIoT
import HTTP1

/// Everything the agent's loop does besides sampling and the network: the signals, the alert
/// line, the status LED, systemd, the saved assignment and the report a person reads. The device
/// fills it with the real edge (``DeviceShell``); tests with a recorder.
public protocol AgentShell {
    associatedtype Transport: NonBlockingHTTPTransport

    /// Readable once a signal arrived (the self-pipe the handlers write to); nil: none watched.
    var signalDescriptor: Int32? { get }
    /// Readable when the sensor's alert line has an edge pending; nil: no alert line.
    var alertDescriptor: Int32? { get }
    /// What the status LED shows; nil: no LED.
    var ledPattern: StatusLEDPattern? { get }

    /// The signals that arrived since the last call.
    mutating func takeSignals() -> ReceivedSignals
    /// Reads the alert line's pending edges without blocking; true when one fired.
    mutating func takeAlert() -> Bool
    /// Sets the LED to what its pattern says at `nowMilliseconds`.
    mutating func refreshLED(nowMilliseconds: Int64)
    mutating func notify(_ notification: SystemdNotification)
    mutating func save(_ saved: SavedAssignment)
    /// `delivered`: the readings a `.delivered` names, valid during the call only; `queued`: how
    /// many readings wait after it.
    mutating func report(_ event: TelemetryEvent, delivered: ArraySlice<Reading>, queued: Int, nowMilliseconds: Int64)
    /// SIGHUP: the configuration and identity read again; nil when they do not load (said why)
    /// or the run cannot reload, and the run goes on as it was.
    mutating func reload() -> AgentReload<Transport>?
}

/// What arrived since the loop last asked.
public struct ReceivedSignals: Equatable, Sendable {
    public var termination: Bool
    public var reload: Bool

    public init(termination: Bool = false, reload: Bool = false) {
        self.termination = termination
        self.reload = reload
    }
}

/// A reload that loaded: the machine's new settings, the saved assignment when it still fits
/// them, and a new transport when the identity or the connection settings changed.
public struct AgentReload<Transport: NonBlockingHTTPTransport> {
    public var settings: TelemetryStateMachine<SplitMix64>.Settings
    public var saved: SavedAssignment?
    public var transport: Transport?

    public init(settings: TelemetryStateMachine<SplitMix64>.Settings, saved: SavedAssignment?, transport: Transport?) {
        self.settings = settings
        self.saved = saved
        self.transport = transport
    }
}
