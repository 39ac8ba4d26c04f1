import Testing

@testable import kelvin_cloud

/// `init --server-name` and `serve --public-host`: the names a hub is reached by besides localhost.
@Suite struct HostNameCommandLineTests {
    private func serve(_ extra: [String]) throws -> ServeOptions {
        try KelvinCloudCommandLine.parse(["serve", "--dir", "desk"] + extra, as: ServeCommand.self).options()
    }

    @Test func serverNamesAndPublicHost_areParsed() throws {
        #expect(
            try KelvinCloudCommandLine.parse(
                ["init", "--dir", "desk", "--server-name", "kelvin-hub.test", "--server-name", "hub-2.lan"],
                as: InitCommand.self
            ).options()
                == InitOptions(directory: "desk", serverNames: ["kelvin-hub.test", "hub-2.lan"])
        )
        #expect(try serve(["--public-host=kelvin-hub.test"]).publicHost == "kelvin-hub.test")
        #expect(try serve(["--public-host", "192.168.1.20"]).publicHost == "192.168.1.20")
        #expect(try serve(["--listen", "0.0.0.0"]).listenAddress == "0.0.0.0")
        #expect(try serve([]).publicHost == nil)
        #expect(try serve([]).listenAddress == "127.0.0.1")
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
        #expect(KelvinCloudCommandLine.refusal(arguments) == message)
    }
}
