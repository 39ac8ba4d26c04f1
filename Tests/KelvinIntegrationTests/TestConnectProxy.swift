import Foundation
import Glibc

/// A small HTTP CONNECT proxy on loopback, on plain sockets and threads: it records each request
/// head, then tunnels, demands credentials, refuses, or answers garbage, as told.
final class TestConnectProxy: @unchecked Sendable {
    enum Behaviour: Sendable {
        case tunnel
        /// 407 unless `Proxy-Authorization` is exactly this value, then tunnel.
        case requireAuthorization(String)
        case refuse(status: Int, reason: String)
        case answerGarbage
    }

    let port: UInt16
    private let behaviour: Behaviour
    private let listener: Int32
    private let lock = NSLock()
    private var heads: [String] = []
    private var open: Set<Int32> = []
    private var stopped = false

    init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard listening else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { stop() }

    /// `http://[credentials@]127.0.0.1:<port>`.
    func url(credentials: String? = nil) -> String {
        "http://" + (credentials.map { $0 + "@" } ?? "") + "127.0.0.1:\(port)"
    }

    /// The request heads received, in order, CRLFs and all.
    var requests: [String] {
        lock.withLock { heads }
    }

    func stop() {
        // Shut down and close under the lock, so no descriptor number is reused in between.
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                break
            }
            guard track(client) else {
                close(client)
                break
            }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func track(_ fd: Int32) -> Bool {
        lock.withLock {
            guard !stopped else { return false }
            open.insert(fd)
            return true
        }
    }

    private func untrackAndClose(_ fd: Int32) {
        lock.withLock {
            open.remove(fd)
            close(fd)
        }
    }

    private func serve(_ client: Int32) {
        // The client sends nothing after its CONNECT until it has the answer, so reading in
        // chunks cannot take tunnel bytes.
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !head.ends(with: [13, 10, 13, 10]) {
            let count = read(client, &buffer, buffer.count)
            guard count > 0, head.count < 16 * 1024 else {
                untrackAndClose(client)
                return
            }
            head.append(contentsOf: buffer[0..<count])
        }
        let text = String(decoding: head, as: UTF8.self)
        lock.withLock { heads.append(text) }
        switch behaviour {
        case .tunnel:
            tunnel(client, head: text)
        case .requireAuthorization(let expected):
            if Self.header("Proxy-Authorization", in: text) == expected {
                tunnel(client, head: text)
            } else {
                let body = "credentials needed"
                answerAndClose(client, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"kelvin-test\"\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
            }
        case .refuse(let status, let reason):
            answerAndClose(client, "HTTP/1.1 \(status) \(reason)\r\nContent-Length: 0\r\n\r\n")
        case .answerGarbage:
            answerAndClose(client, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\r\n")
        }
    }

    private func answerAndClose(_ client: Int32, _ answer: String) {
        Self.writeAll(client, Array(answer.utf8))
        untrackAndClose(client)
    }

    private func tunnel(_ client: Int32, head: String) {
        // "CONNECT host:port HTTP/1.1"
        let requestLine = (head.components(separatedBy: "\r\n").first ?? "").split(separator: " ")
        guard requestLine.count == 3, requestLine[0] == "CONNECT",
              let colon = requestLine[1].lastIndex(of: ":"),
              let server = Self.connect(host: String(requestLine[1][..<colon]), port: String(requestLine[1][requestLine[1].index(after: colon)...]))
        else {
            answerAndClose(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        }
        guard track(server) else {
            close(server)
            untrackAndClose(client)
            return
        }
        Self.writeAll(client, Array("HTTP/1.1 200 Connection established\r\nProxy-Agent: kelvin-test\r\n\r\n".utf8))
        let finished = DispatchGroup()
        for (from, to) in [(client, server), (server, client)] {
            finished.enter()
            Thread {
                var buffer = [UInt8](repeating: 0, count: 16 * 1024)
                while true {
                    let count = read(from, &buffer, buffer.count)
                    if count <= 0 || !Self.writeAll(to, Array(buffer[0..<count])) { break }
                }
                shutdown(to, Int32(SHUT_WR))
                finished.leave()
            }.start()
        }
        finished.wait()
        untrackAndClose(client)
        untrackAndClose(server)
    }

    private static func connect(host: String, port: String) -> Int32? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var addresses: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &addresses) == 0 else { return nil }
        defer { freeaddrinfo(addresses) }
        var cursor = addresses
        while let address = cursor?.pointee {
            let fd = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
            if fd >= 0 {
                if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            cursor = address.ai_next
        }
        return nil
    }

    @discardableResult
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    static func header(_ name: String, in head: String) -> String? {
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].caseInsensitiveCompare(name) == .orderedSame {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
