import Foundation

/// A loopback TCP relay in front of a server that holds back everything the server sends for a
/// while after each connection opens: a TLS handshake through it has to wait for the server's
/// first flight, however fast and however loaded the machine is.
///
/// Blocking sockets and threads, as `RecordCorruptingRelay`: simple, and fast enough for a few
/// connections.
final class DelayingRelay {
    let port: UInt16
    private let listener: Int32

    init(upstreamPort: UInt16, holdingBackMicroseconds: UInt32) throws {
        (listener, port) = try LoopbackSocket.listen(backlog: 16)
        let listener = self.listener
        Thread.detachNewThread {
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                let server = LoopbackSocket.connect(to: upstreamPort, nonBlocking: false)
                guard server.descriptor >= 0, server.result == 0 else {
                    close(client)
                    if server.descriptor >= 0 { close(server.descriptor) }
                    continue
                }
                Thread.detachNewThread { Self.copy(from: client, to: server.descriptor) }
                Thread.detachNewThread {
                    usleep(holdingBackMicroseconds)
                    Self.copy(from: server.descriptor, to: client)
                    close(client)
                    close(server.descriptor)
                }
            }
        }
    }

    deinit {
        // Wakes the accepting thread, which then ends.
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func copy(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else {
                    shutdown(destination, Int32(SHUT_WR))
                    return
                }
                sent += written
            }
        }
        shutdown(destination, Int32(SHUT_WR))
    }
}
