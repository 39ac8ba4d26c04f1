import Testing

@testable import kelvin_cloud

/// `init --server-name` and `serve --public-host`: the names a hub is reached by besides localhost.
@Suite struct HostNameCommandLineTests {
    @Test func serverNamesAndPublicHost_areParsed() throws {
        #expect(
            try CommandLineOptions.parse(["init", "--dir", "desk", "--server-name", "kelvin-hub.test", "--server-name", "hub-2.lan"])
                == .initialize(InitOptions(directory: "desk", serverNames: ["kelvin-hub.test", "hub-2.lan"]))
        )
        guard case .serve(let serve) = try CommandLineOptions.parse(["serve", "--dir", "desk", "--public-host=kelvin-hub.test"])
        else {
            Issue.record("serve was not parsed as serve")
            return
        }
        #expect(serve.publicHost == "kelvin-hub.test")
        guard case .serve(let byAddress) = try CommandLineOptions.parse(["serve", "--dir", "desk", "--public-host", "192.168.1.20"])
        else {
            Issue.record("serve was not parsed as serve")
            return
        }
        #expect(byAddress.publicHost == "192.168.1.20")
        guard case .serve(let onTheLAN) = try CommandLineOptions.parse(["serve", "--dir", "desk", "--listen", "0.0.0.0"])
        else {
            Issue.record("serve was not parsed as serve")
            return
        }
        #expect(onTheLAN.listenAddress == "0.0.0.0")
        guard case .serve(let plain) = try CommandLineOptions.parse(["serve", "--dir", "desk"]) else { return }
        #expect(plain.publicHost == nil)
    }

    @Test(arguments: [
        (["serve", "--dir", "d", "--public-host", ""], "--public-host needs a DNS name such as kelvin-hub.test, not ''"),
        (["serve", "--dir", "d", "--public-host", "hub.test:443"], "--public-host needs a DNS name such as kelvin-hub.test, not 'hub.test:443'"),
        (["serve", "--dir", "d", "--public-host", "-hub.test"], "--public-host needs a DNS name such as kelvin-hub.test, not '-hub.test'"),
        (["serve", "--dir", "d", "--listen", "laptop.local"], "--listen needs an IP address such as 0.0.0.0 or 192.168.1.20, not 'laptop.local'"),
        (["serve", "--dir", "d", "--public-host", "fd00::7"], "--public-host needs a DNS name such as kelvin-hub.test, not 'fd00::7'"),
        (["init", "--dir", "d", "--server-name", "hub..test"], "--server-name needs a DNS name such as kelvin-hub.test, not 'hub..test'"),
        (["init", "--dir", "d", "--server-name", "hüb.test"], "--server-name needs a DNS name such as kelvin-hub.test, not 'hüb.test'"),
    ])
    func badHostName_isAUsageError(arguments: [String], message: String) {
        #expect(throws: UsageError(message: message)) {
            try CommandLineOptions.parse(arguments)
        }
    }
}
