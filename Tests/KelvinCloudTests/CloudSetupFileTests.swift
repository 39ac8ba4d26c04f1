import Foundation
import Testing

@testable import KelvinCloud

/// The `--config` JSON file: what it accepts, and that every mistake names the entry and field.
@Suite struct CloudSetupFileTests {
    let root = InMemoryPKI.certificateAuthority("Setup Root CA")

    func write(_ json: String, files: [String: String] = [:]) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        for (name, contents) in files {
            try contents.write(toFile: directory.file(name), atomically: true, encoding: .utf8)
        }
        let path = directory.file("setup.json")
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test func fullFile_loadsHubsCAsEnrollmentsAndGroupsWithPathsRelativeToIt() throws {
        let device = InMemoryPKI.device("file-device")
        let (directory, path) = try write(
            """
            {
              "hubs": [{"name": "hub-a", "port": 44311}, {"name": "hub-b", "hostName": "127.0.0.1"}],
              "certificateAuthorities": [{"name": "root", "certificateFile": "root.pem", "verified": false}],
              "individualEnrollments": [{"certificateFile": "device.pem", "deviceId": "d-1", "hubs": ["hub-b"],
                                         "reprovisionPolicy": "resetData", "enabled": false}],
              "enrollmentGroups": [{"groupId": "fleet", "certificateAuthority": "root",
                                    "allocationFailure": {"errorCode": 400207}}]
            }
            """,
            files: ["root.pem": root.pem, "device.pem": device.pem]
        )
        defer { directory.remove() }
        let setup = try CloudSetupFile(contentsOf: path)
        #expect(setup.hubs == [HubConfiguration(name: "hub-a", port: 44311), HubConfiguration(name: "hub-b", hostName: "127.0.0.1")])
        #expect(setup.enrollments.certificateAuthorities.map(\.isVerified) == [false])
        let enrollment = try #require(setup.enrollments.individualEnrollments.first)
        #expect(enrollment.registrationID == "file-device")
        #expect(enrollment.deviceID == "d-1")
        #expect(enrollment.thumbprint == device.presented.thumbprint)
        #expect(enrollment.allocation == AllocationSettings(isEnabled: false, hubNames: ["hub-b"], reprovisionPolicy: .resetData))
        #expect(setup.enrollments.groups.first?.allocation.allocationFailure?.errorCode == 400207)
    }

    @Test(arguments: [
        (#"{"hubz": []}"#, #"the file: unknown field "hubz""#),
        (#"{"hubs": [{"port": 1}]}"#, #"hubs[0]: "name" is required"#),
        (#"{"hubs": [{"name": "a", "port": 70000}]}"#, #"hubs[0]: "port" must be an integer in 0...65535"#),
        (#"{"individualEnrollments": [{}]}"#, #"individualEnrollments[0]: give "certificate" (PEM), "certificateFile" or "thumbprint""#),
        (#"{"individualEnrollments": [{"thumbprint": "ab"}]}"#, #""thumbprint" must be 64 hex digits"#),
        (#"{"individualEnrollments": [{"certificateFile": "missing.pem"}]}"#, "missing.pem: no such file"),
        (#"{"individualEnrollments": [{"certificateFile": "leaf.pem", "enabled": 1}]}"#, #""enabled" must be true or false"#),
        (#"{"individualEnrollments": [{"certificateFile": "leaf.pem", "reprovisionPolicy": "x"}]}"#, "must be one of migrateData, resetData, never"),
        (#"{"enrollmentGroups": [{"groupId": "g", "certificateAuthority": "nope"}]}"#, #""certificateAuthority" names "nope", which has not been uploaded"#),
        (#"{"certificateAuthorities": [{"name": "leaf", "certificateFile": "leaf.pem"}]}"#, "is not a CA certificate"),
        ("[1, 2", "the file is not valid JSON"),
    ])
    func mistake_isReportedWithTheEntryAndField(json: String, expected: String) throws {
        let leaf = InMemoryPKI.device("leaf")
        let (directory, path) = try write(json, files: ["root.pem": root.pem, "leaf.pem": leaf.pem])
        defer { directory.remove() }
        #expect {
            _ = try CloudSetupFile(contentsOf: path)
        } throws: { error in
            guard let error = error as? CloudSetupFileError else { return false }
            return error.path == path && error.message.contains(expected)
        }
    }

    @Test func serverRefusesAnEnrollmentNamingAnUnknownHub() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let identity = try TestIdentity.createServerIdentity(in: directory.path)
        var configuration = CloudConfiguration(serverIdentity: identity)
        configuration.enrollments = [
            Enrollment(
                registrationID: "x",
                thumbprint: InMemoryPKI.device("x").presented.thumbprint,
                allocation: AllocationSettings(hubNames: ["nowhere"])
            )
        ]
        #expect(throws: CloudServerError.self) { _ = try CloudServer(configuration: configuration) }
    }
}
