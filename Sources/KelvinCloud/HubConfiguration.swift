/// One emulated IoT hub: its own listener, its own name and its own device registry.
public struct HubConfiguration: Sendable, Equatable {
    /// The hub's name in logs, enrollments (``AllocationSettings/hubNames``) and faults.
    public var name: String
    /// The host part of the `assignedHub` DPS returns; must be covered by the server certificate.
    public var hostName: String
    /// 0 picks an ephemeral port; read ``CloudServer/hubs`` after ``CloudServer/start()``.
    public var port: Int

    public init(name: String, hostName: String = "localhost", port: Int = 0) {
        self.name = name
        self.hostName = hostName
        self.port = port
    }
}

/// A hub as DPS links it once it listens: its name and the `assignedHub` value devices get.
public struct LinkedHub: Sendable, Equatable {
    public var name: String
    /// `host:port`. Real DPS returns a bare host name served on 443; the device accepts both.
    public var address: String
    public var port: Int
}

/// The api-version values the SDKs and the REST references use (protocol facts §1.1, §3.1).
enum SupportedAPIVersions {
    static let provisioning: Set<String> = [
        "2017-11-15", "2018-09-01-preview", "2018-11-01", "2019-01-15", "2019-03-31",
        "2021-06-01", "2021-10-01", "2025-07-01-preview", "2026-04-01",
    ]
    static let hub: Set<String> = [
        "2016-11-14", "2018-06-30", "2019-03-30", "2019-10-01", "2020-03-13", "2020-09-30",
        "2021-04-12", "2021-07-02",
    ]
}
