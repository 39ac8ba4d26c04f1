import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain HTTP/1.1 GET to the admin API on 127.0.0.1, over a socket rather than URLSession: on
/// Linux URLSession goes through libcurl, which honours `http_proxy` and would send a loopback
/// request to a proxy, and it would not tell "nothing listens on that port" from other failures
/// as plainly as `connect`'s ECONNREFUSED does.
struct AdminClient {
    enum Failure: Error, Equatable {
        /// Nothing accepts connections on the port.
        case notRunning(port: Int)
        case broken(String)
    }

    var port: Int
    var timeoutSeconds = 5

    /// The response body of a 200; any other status is a failure naming it.
    func get(_ pathAndQuery: String) throws(Failure) -> Data {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw .broken("socket: \(String(cString: strerror(errno)))") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            if errno == ECONNREFUSED { throw .notRunning(port: port) }
            throw .broken("connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }

        // The admin API refuses a Host that is not loopback; this one is.
        let request = Array(
            "GET \(pathAndQuery) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
                .utf8
        )
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes {
                send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else {
                throw .broken("sending to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
            }
            sent += written
        }

        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let complete = try Self.body(of: response) { return complete }
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else {
                throw .broken("reading from 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
            }
            response += buffer[..<count]
        }
        guard let complete = try Self.body(of: response) else {
            throw .broken("127.0.0.1:\(port) closed the connection mid-response")
        }
        return complete
    }

    /// The body once `response` holds the head and Content-Length bytes of it (the admin API
    /// always sends a length), nil while more is to come.
    private static func body(of response: [UInt8]) throws(Failure) -> Data? {
        let separator = Array("\r\n\r\n".utf8)
        guard
            let headEnd = response.indices.dropLast(3).first(where: { response[$0..<$0 + 4].elementsEqual(separator) })
        else {
            return nil
        }
        let head = String(decoding: response[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw .broken("not an HTTP response: \(head[0])")
        }
        let lengthLine = head.dropFirst().first { $0.lowercased().hasPrefix("content-length:") }
        guard
            let length = lengthLine.flatMap({
                Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
            })
        else { throw .broken("the admin API answered without Content-Length") }
        let bodyStart = headEnd + 4
        guard response.count >= bodyStart + length else { return nil }
        let body = Data(response[bodyStart..<bodyStart + length])
        guard status == 200 else {
            throw .broken("the admin API answered \(status): \(String(decoding: body, as: UTF8.self))")
        }
        return body
    }
}
