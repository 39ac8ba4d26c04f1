import Foundation
import Testing

@testable import KelvinCloud

@Suite struct ThumbprintTests {
    @Test func thumbprintOfGeneratedCertificate_matchesOpenSSLFingerprint() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let device = try TestIdentity.createSelfSignedDevice(registrationID: "thumb-device", in: directory.path)

        let openssl = try ExternalTool.run(
            "openssl",
            ["x509", "-in", device.certificateFile, "-noout", "-fingerprint", "-sha256"]
        )
        #expect(openssl.exitCode == 0, "\(openssl.standardError)")
        let printed = try #require(openssl.standardOutput.split(separator: "=").last)
        let fromOpenSSL = try #require(
            CertificateThumbprint(hex: printed.trimmingCharacters(in: .whitespacesAndNewlines))
        )

        #expect(device.thumbprint == fromOpenSSL)
        #expect(try Enrollment(certificatePEMFile: device.certificateFile).thumbprint == fromOpenSSL)
    }

    @Test func knownDigest_isUpperCaseHex() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let thumbprint = CertificateThumbprint(certificateDER: Array("abc".utf8))
        #expect(thumbprint.hex == "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")
        #expect(CertificateThumbprint(hex: thumbprint.hex.lowercased()) == thumbprint)
    }

    @Test(arguments: ["", "AB", String(repeating: "G", count: 64), String(repeating: "A", count: 66)])
    func malformedHex_isRejected(_ text: String) {
        #expect(CertificateThumbprint(hex: text) == nil)
    }
}
