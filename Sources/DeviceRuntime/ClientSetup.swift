import Agent
import HTTP1
import HTTPSClient
import Platform

/// The HTTPS client `run` and `send` share: the device identity, the timeouts, and the proxy
/// from `--proxy` or the environment.
enum ClientSetup {
    /// - Throws: a configuration `Fatal` for an unusable proxy URL, before any file is read.
    static func proxySettings(_ options: RunOptions) throws(Fatal) -> ProxySettings {
        do {
            return try ProxySettings.resolve(option: options.proxy) { Environment.value($0) }
        } catch {
            throw Fatal(message: error.description, exitCode: .configuration)
        }
    }

    static func client(_ options: RunOptions, identity: DeviceIdentity, proxySettings: ProxySettings) -> HTTPSClient {
        if let proxy = proxySettings.proxy {
            let exclusions = proxySettings.exclusions.isEmpty ? "" : ", except for hosts in no_proxy"
            Log.info("connecting through the proxy \(proxy.address) from \(proxy.source)\(exclusions)")
        }
        return HTTPSClient(
            context: identity.context,
            timeouts: HTTPSConnection.Timeouts(connectMilliseconds: options.connectTimeoutMilliseconds, ioMilliseconds: options.ioTimeoutMilliseconds),
            proxySettings: proxySettings
        )
    }
}
