import Foundation

/// A loopback TCP relay in front of a TLS server that, when told to, damages one TLS record the
/// server sends: the client's TLS layer then fails in the middle of a response (bad record MAC),
/// as over a link that corrupts data, after the response's first records were delivered intact.
///
/// Blocking sockets and threads: simple, and fast enough for a few connections.
final class RecordCorruptingRelay {
    let port: UInt16
    private let listener: Int32
    private let schedule = DamageSchedule()

    init(upstreamPort: UInt16) throws {
        (listener, port) = try LoopbackSocket.listen(backlog: 16)
        let listener = self.listener
        let schedule = self.schedule
        Thread.detachNewThread { Self.acceptConnections(on: listener, upstreamPort: upstreamPort, schedule: schedule) }
    }

    deinit {
        // Wakes the accepting thread, which then ends.
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Damages the application-data record that follows the next `records` ones from the server.
    func damageRecord(after records: Int) {
        schedule.arm(passing: records)
    }

    private static func acceptConnections(on listener: Int32, upstreamPort: UInt16, schedule: DamageSchedule) {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let server = LoopbackSocket.connect(to: upstreamPort, nonBlocking: false)
            guard server.descriptor >= 0, server.result == 0 else {
                close(client)
                if server.descriptor >= 0 { close(server.descriptor) }
                continue
            }
            Thread.detachNewThread { copy(from: client, to: server.descriptor) }
            Thread.detachNewThread { relayRecords(from: server.descriptor, to: client, schedule: schedule) }
        }
    }

    private static func copy(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            guard count > 0, sendAll(Array(buffer[..<count]), to: destination) else { break }
        }
        shutdown(destination, Int32(SHUT_WR))
    }

    /// Forwards whole TLS records (RFC 8446 §5.1: type, version, 16-bit length, payload); closes
    /// both sockets when either side is done.
    private static func relayRecords(from server: Int32, to client: Int32, schedule: DamageSchedule) {
        defer {
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
            close(client)
            close(server)
        }
        while let header = receive(5, from: server) {
            guard let payload = receive(Int(header[3]) << 8 | Int(header[4]), from: server) else { return }
            var record = header + payload
            if header[0] == 23, payload.count > 0, schedule.takesThisRecord() {
                record[record.count - 1] ^= 0xFF
            }
            guard sendAll(record, to: client) else { return }
        }
    }

    private static func receive(_ count: Int, from source: Int32) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { recv(source, $0.baseAddress! + filled, count - filled, 0) }
            guard got > 0 else { return nil }
            filled += got
        }
        return bytes
    }

    private static func sendAll(_ bytes: [UInt8], to destination: Int32) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let wrote = bytes.withUnsafeBytes { send(destination, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard wrote > 0 else { return false }
            sent += wrote
        }
        return true
    }
}

/// Which server record to damage, shared by every connection's relay thread; damages one only.
private final class DamageSchedule: @unchecked Sendable {
    private let lock = NSLock()
    /// Application-data records still to pass before the damaged one; nil when disarmed.
    private var recordsToPass: Int?

    func arm(passing records: Int) {
        lock.withLock { recordsToPass = records }
    }

    func takesThisRecord() -> Bool {
        lock.withLock {
            guard let remaining = recordsToPass else { return false }
            recordsToPass = remaining == 0 ? nil : remaining - 1
            return remaining == 0
        }
    }
}
