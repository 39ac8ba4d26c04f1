import CRenegotiation
import Foundation

/// A TLS 1.2 server on OpenSSL that asks for the client certificate by renegotiation once the
/// request line has arrived, as older IoT Hub HTTPS front ends did (docs/azure-facts.md §10), and
/// answers `204 No Content` when one arrived. Serves one connection at a time on a thread of
/// its own and keeps what each connection showed.
final class RenegotiatingServer {
    struct Connection: Equatable, Sendable {
        var requestLine: String
        var renegotiated: Bool
        var clientCertificate: Bool
        /// Empty when the connection was answered.
        var error: String
    }

    let port: UInt16
    private let server: Handle
    private let served = LockedList<Connection>()
    private let finished = DispatchSemaphore(value: 0)

    /// - Throws: when the files do not load or no port is free.
    init(certificateFile: String, privateKeyFile: String) throws {
        guard let pointer = crenegotiation_server_new(certificateFile, privateKeyFile) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: certificateFile])
        }
        server = Handle(pointer: pointer)
        port = crenegotiation_server_port(pointer)
        // The thread holds the handle and the record, not self, so that deinit can stop it.
        let (server, served, finished) = (server, served, finished)
        Thread {
            var report = crenegotiation_report()
            while crenegotiation_server_serve_one(server.pointer, &report) == 0 {
                served.append(Connection(report))
            }
            finished.signal()
        }.start()
    }

    deinit {
        crenegotiation_server_stop(server.pointer)
        finished.wait()
        crenegotiation_server_free(server.pointer)
    }

    /// The connections served so far, once there are `count` of them or 10 s have passed.
    func connections(atLeast count: Int) -> [Connection] {
        for _ in 0..<1000 where served.snapshot.count < count {
            Thread.sleep(forTimeInterval: 0.01)
        }
        return served.snapshot
    }

    private struct Handle: @unchecked Sendable {
        let pointer: OpaquePointer
    }
}

extension RenegotiatingServer.Connection {
    fileprivate init(_ report: crenegotiation_report) {
        func text<Bytes>(_ bytes: Bytes) -> String {
            withUnsafeBytes(of: bytes) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        self.init(
            requestLine: text(report.request_line),
            renegotiated: report.renegotiated != 0,
            clientCertificate: report.client_certificate != 0,
            error: text(report.error)
        )
    }
}
