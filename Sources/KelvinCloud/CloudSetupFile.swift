import Foundation

/// A JSON file describing hubs, uploaded CAs, individual enrollments and enrollment groups, for
/// `kelvin-cloud serve --config`. Certificate paths are relative to the file. Example:
///
/// ```json
/// {
///   "hubs": [{"name": "hub-a", "port": 44301}, {"name": "hub-b", "port": 44303}],
///   "certificateAuthorities": [{"name": "fleet-root", "certificateFile": "root-ca-cert.pem", "verified": true}],
///   "individualEnrollments": [{"certificateFile": "device-cert.pem", "hubs": ["hub-a"]}],
///   "enrollmentGroups": [{"groupId": "fleet", "certificateAuthority": "fleet-root", "hubs": ["hub-b"]}]
/// }
/// ```
public struct CloudSetupFile: Sendable {
    /// Empty when the file lists none, leaving the command line's hubs in place.
    public var hubs: [HubConfiguration]
    public var enrollments: EnrollmentRegistry

    /// - Throws: ``CloudSetupFileError`` naming the file and the entry that is wrong.
    public init(contentsOf path: String) throws(CloudSetupFileError) {
        let text: String
        do {
            text = try PEMFile.text(at: path)
        } catch {
            throw CloudSetupFileError(path: path, message: "\(error)")
        }
        let base = (path as NSString).deletingLastPathComponent
        do throws(JSONFieldError) {
            let root = try JSONFields(parsing: Array(text.utf8), context: "the file")
            try root.rejectUnknown(allowed: ["hubs", "certificateAuthorities", "individualEnrollments", "enrollmentGroups"])

            hubs = []
            for (index, item) in try root.objects("hubs").enumerated() {
                let fields = try JSONFields(item, context: "hubs[\(index)]")
                try fields.rejectUnknown(allowed: ["name", "hostName", "port"])
                hubs.append(
                    HubConfiguration(
                        name: try fields.requiredString("name"),
                        hostName: try fields.string("hostName") ?? "localhost",
                        port: try fields.integer("port", in: 0...65535) ?? 0
                    )
                )
            }

            var registry = EnrollmentRegistry()
            for (index, item) in try root.objects("certificateAuthorities").enumerated() {
                registry.certificateAuthorities.append(
                    try EnrollmentJSON.certificateAuthority(
                        JSONFields(item, context: "certificateAuthorities[\(index)]"),
                        relativeTo: base
                    )
                )
            }
            for (index, item) in try root.objects("individualEnrollments").enumerated() {
                registry.individualEnrollments.append(
                    try EnrollmentJSON.individualEnrollment(
                        JSONFields(item, context: "individualEnrollments[\(index)]"),
                        relativeTo: base
                    )
                )
            }
            for (index, item) in try root.objects("enrollmentGroups").enumerated() {
                registry.groups.append(
                    try EnrollmentJSON.group(
                        JSONFields(item, context: "enrollmentGroups[\(index)]"),
                        knownAuthorities: registry.certificateAuthorities
                    )
                )
            }
            enrollments = registry
        } catch {
            throw CloudSetupFileError(path: path, message: error.message)
        }
    }
}

public struct CloudSetupFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public var description: String { "\(path): \(message)" }
}
