import Foundation
import KelvinCloud
import Testing

/// The emulator negotiates the TLS version this run asked for (`KELVIN_TEST_TLS`), so the run
/// per version that `make unit-tests` makes is not the same run twice. Seen by `openssl s_client`
/// with the device's certificate, as the device's OpenSSL offers TLS 1.3 first.
@Suite struct FixtureTLSVersionTests {
    @Test func dpsAndHub_negotiateTheVersionOfThisRun() throws {
        let fixture = try CloudFixture()
        let expected = CloudFixture.tlsVersions == .tls12 ? "TLSv1.2" : "TLSv1.3"
        for port in [fixture.server.dpsPort, fixture.server.hubPort] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = [
                "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost", "-brief",
                "-cert", fixture.device.certificateFile, "-key", fixture.device.privateKeyFile,
                "-CAfile", fixture.serverIdentity.caCertificateFile,
            ]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            // -brief prints what was agreed on stderr.
            let printed = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(printed.contains("Protocol version: \(expected)"), "\(printed)")
        }
    }
}
