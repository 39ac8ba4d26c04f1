import Agent
import AzureIoT
import HTTP1
import HTTPSClient
import Platform

/// Who the device is and how it reaches DPS and its hub, from the options: what `run` and
/// `provision` load at start and again at a reload.
struct RunIdentity {
    let identity: DeviceIdentity
    let certificatePath: String
    let client: HTTPSClient
    let provisioning: ProvisioningSettings
    let assignmentKey: AssignmentKey
    let store: FileAssignmentStore
    let hubAPIVersion: APIVersion
    let applicationProperties: [ApplicationProperty]

    /// - Throws: `Fatal` naming the setting or file and the fix.
    init(options: RunOptions, clock: MonotonicClock) throws(Fatal) {
        Process.ignoreBrokenPipe()
        guard let dps = Endpoint(parsing: options.dpsEndpoint) else {
            throw Fatal(message: "--dps \"\(options.dpsEndpoint)\" is not host or host:port", exitCode: .usage)
        }
        let payload: ProvisioningPayload?
        do {
            payload = try options.provisioningPayload.map { text throws(ProvisioningPayloadError) in
                try ProvisioningPayload(json: text)
            }
        } catch {
            throw Fatal(message: "--payload: \(error)", exitCode: .configuration)
        }
        var properties: [ApplicationProperty] = []
        for assignment in options.properties {
            do {
                properties.append(try ApplicationProperty(parsing: assignment))
            } catch {
                throw Fatal(message: "--property \(assignment): \(error)", exitCode: .configuration)
            }
        }
        applicationProperties = properties
        hubAPIVersion = APIVersion(options.hubAPIVersion) ?? TelemetryChannel.defaultAPIVersion
        let proxySettings = try ClientSetup.proxySettings(options)
        identity = try DeviceIdentity.load(options, clock: clock)
        certificatePath = options.certificatePath
        Log.info("device \(identity.registrationID) (certificate SHA-256 \(identity.thumbprint))")
        client = ClientSetup.client(options, identity: identity, proxySettings: proxySettings)
        provisioning = ProvisioningSettings(
            endpoint: dps, idScope: options.idScope, registrationID: identity.registrationID,
            apiVersion: options.dpsAPIVersion, payload: payload
        )
        assignmentKey = identity.assignmentKey(options)
        store = FileAssignmentStore(directory: StateDirectory.path(options))
        Log.info("DPS at \(provisioning.endpoint) (ID scope \(provisioning.idScope)); assignment kept in \(store.path)")
    }

    /// The saved assignment when it is valid for this identity; nil (the reason logged) when DPS
    /// has to be asked.
    func savedAssignment() -> SavedAssignment? {
        guard let saved = store.load(log: { Log.warning($0) }) else { return nil }
        if let mismatch = saved.mismatch(with: assignmentKey) {
            Log.warning("the saved assignment \(mismatch); provisioning again")
            return nil
        }
        return saved
    }

    /// The telemetry state machine's settings for `options` with this identity.
    func machineSettings(_ options: RunOptions) -> TelemetryStateMachine<SplitMix64>.Settings {
        TelemetryStateMachine<SplitMix64>.Settings(
            count: options.count,
            intervalMilliseconds: options.intervalMilliseconds,
            provisioning: provisioning,
            assignmentKey: assignmentKey,
            provisioningTimeoutMilliseconds: options.provisioningTimeoutMilliseconds,
            retryPolicy: RetryPolicy(capMilliseconds: options.retryCapMilliseconds),
            reprovisionIntervalMilliseconds: options.reprovisionIntervalMilliseconds,
            pauseAfterGivingUpMilliseconds: options.roundPauseMilliseconds,
            hubAPIVersion: hubAPIVersion,
            applicationProperties: applicationProperties,
            hubFailuresBeforeReprovisioning: options.hubFailuresBeforeReprovisioning
        )
    }

    /// A sentence naming the likely fix when DPS refused a chain that lacks its intermediates.
    func chainHint(for refusal: ProvisioningError) -> String {
        guard let shape = identity.context.certificateChainShape,
            let note = CertificateChainAdvice.note(
                for: refusal, intermediates: shape.intermediates, leafIsSelfIssued: shape.leafIsSelfIssued,
                certificatePath: certificatePath
            )
        else { return "" }
        return ". " + note
    }
}
