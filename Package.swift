// swift-tools-version:6.1
import PackageDescription

// The device modules (everything `kelvin` links) build in two modes from these sources: normal
// Swift for the host, and Embedded Swift (enabled by the toolsets in cross/, which pass
// `-enable-experimental-feature Embedded`). The emulator (`KelvinCloud`) is host-only.
let deviceSwiftSettings: [SwiftSetting] = [
    .enableExperimentalFeature("Extern"),
]

let package = Package(
    name: "kelvin",
    products: [
        .executable(name: "kelvin", targets: ["kelvin"]),
        .executable(name: "kelvin-cloud", targets: ["kelvin-cloud"]),
        .library(name: "KelvinCloud", targets: ["KelvinCloud"]),
        .executable(name: "kelvin-fleet", targets: ["kelvin-fleet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // Host-only: the emulator's command line (help, validation, completion scripts).
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // C shims: the only modules that see libc, OpenSSL and libgpiod.
        .target(name: "CPosix", linkerSettings: [.linkedLibrary("i2c")]),
        .target(name: "COpenSSL", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        .target(name: "CGPIOD", linkerSettings: [.linkedLibrary("gpiod")]),

        // Sans-I/O core: no C module, no I/O.
        .target(name: "Wire", swiftSettings: deviceSwiftSettings),
        .target(name: "HTTP1", dependencies: ["Wire"], swiftSettings: deviceSwiftSettings),
        .target(name: "AzureIoT", dependencies: ["Wire", "HTTP1"], swiftSettings: deviceSwiftSettings),
        .target(name: "Sensors", dependencies: ["Wire"], swiftSettings: deviceSwiftSettings),
        .target(name: "Agent", dependencies: ["Wire", "HTTP1", "AzureIoT", "Sensors"], swiftSettings: deviceSwiftSettings),

        // I/O edge: thin typed wrappers over the C shims.
        // Sensors for the seams the edge fulfils (`I2CBus` and `TextSource` over the real
        // devices and files, GPIO edges).
        .target(name: "Platform", dependencies: ["CPosix", "CGPIOD", "Wire", "Sensors"], swiftSettings: deviceSwiftSettings),
        .target(name: "HTTPSClient", dependencies: ["COpenSSL", "Platform", "HTTP1", "Wire"], swiftSettings: deviceSwiftSettings),

        // The device's runtime: the event loop that drives the telemetry state machine over the
        // real edge, each command's wiring, and what a person reads. Tests reach all of it.
        .target(
            name: "DeviceRuntime",
            dependencies: ["Wire", "HTTP1", "AzureIoT", "Sensors", "Agent", "Platform", "HTTPSClient"],
            swiftSettings: deviceSwiftSettings
        ),
        // The C entry point and the argv → command dispatch, nothing else.
        .executableTarget(
            name: "kelvin",
            dependencies: ["Agent", "DeviceRuntime"],
            swiftSettings: deviceSwiftSettings
        ),

        // Host-only emulator of DPS + IoT Hub.
        .target(
            name: "KelvinCloud",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                // RSA keys, AES-CBC and PBKDF2 for the PKI helper; the underscored product is the
                // one swift-certificates itself uses, and swift-crypto 4 keeps it as a re-export.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .executableTarget(
            name: "kelvin-cloud",
            dependencies: ["KelvinCloud", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Host-only: a fleet of the real state machines against a simulated DPS and hub on a
        // virtual clock (`make fleet`); device modules only, no SwiftNIO.
        .target(name: "FleetSimulation", dependencies: ["Wire", "HTTP1", "AzureIoT", "Sensors", "Agent"]),
        .executableTarget(name: "kelvin-fleet", dependencies: ["FleetSimulation", "Platform"]),

        .testTarget(
            name: "KelvinCoreTests",
            dependencies: ["Wire", "HTTP1", "AzureIoT", "Sensors", "Agent"]
        ),
        .testTarget(name: "FleetSimulationTests", dependencies: ["FleetSimulation", "Agent", "AzureIoT"]),
        .testTarget(
            name: "DeviceRuntimeTests",
            dependencies: ["DeviceRuntime", "Agent", "AzureIoT", "HTTP1", "Sensors", "Wire", "Platform"]
        ),
        .testTarget(
            name: "KelvinCloudTests",
            dependencies: [
                "KelvinCloud",
                // The executable too, so that its command-line parsing is tested in-process.
                "kelvin-cloud",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // Test support: a TLS 1.2 server on OpenSSL that asks for the client certificate by
        // renegotiation, as older IoT Hub HTTPS front ends did (NIOSSL's BoringSSL cannot).
        .target(
            name: "CRenegotiation",
            path: "Tests/CRenegotiation",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        .testTarget(
            name: "KelvinIntegrationTests",
            dependencies: [
                "KelvinCloud", "HTTPSClient", "Platform", "AzureIoT", "Agent", "Wire", "HTTP1", "Sensors",
                "CRenegotiation",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // A server that refuses the device certificate during the handshake, and server
                // certificates with chosen flaws, for the TLS failure tests.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
    ]
)
