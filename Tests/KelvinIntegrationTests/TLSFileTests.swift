import Foundation
import HTTPSClient
import Platform
import Testing

/// OpenSSL reads the PEM files by path, blocking: a FIFO there must be refused before it is.
@Suite struct TLSFileTests {
    @Test(arguments: [TLSFileRole.trustFile, .certificate, .key])
    func fifoWherePEMBelongs_isRefusedNamingTheFlag(role: TLSFileRole) throws {
        let directory = "/tmp/kelvin-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/fifo.pem"
        #expect(mkfifo(fifo, 0o600) == 0)
        let ordinary = directory + "/ordinary.pem"
        try Data("not PEM".utf8).write(to: URL(fileURLWithPath: ordinary))
        let configuration = TLSContext.Configuration(
            trustedCAPath: role == .trustFile ? fifo : ordinary,
            certificateChainPath: role == .certificate ? fifo : ordinary,
            privateKeyPath: role == .key ? fifo : ordinary
        )
        #expect(throws: TLSError.notAFile(path: fifo, .fifo, role)) { _ = try TLSContext(configuration) }
        let line = TLSError.notAFile(path: fifo, .fifo, role).description
        #expect(line == "\(role) \(fifo) is not a regular file (a FIFO); point \(role.option) at the PEM file")
    }
}
