import NIOCore

extension Channel {
    /// The peer as log lines name a client: `ip:port`.
    var clientDescription: String {
        guard let address = remoteAddress, let ip = address.ipAddress, let port = address.port else {
            return "unknown client"
        }
        return "\(ip):\(port)"
    }
}
