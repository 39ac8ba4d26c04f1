import Foundation

@testable import KelvinCloud

/// One curl invocation and the last response it received.
struct CurlResult {
    var exitCode: Int32
    var status: Int?
    var headers: [HTTPHeaderField]
    var body: String
    var standardOutput: String
    var standardError: String

    func header(_ name: String) -> String? {
        headers.value(named: name)
    }

    func jsonObject() throws -> [String: Any] {
        let document = try JSONSerialization.jsonObject(with: Data(body.utf8))
        guard let object = document as? [String: Any] else {
            throw CurlFailure(message: "body is not a JSON object: \(body)")
        }
        return object
    }

    /// The hub's error code, from the JSON document the hub nests as a string in `Message`.
    func hubErrorCode() throws -> Int? {
        guard let inner = try jsonObject()["Message"] as? String,
            let innerObject = try JSONSerialization.jsonObject(with: Data(inner.utf8)) as? [String: Any]
        else { return nil }
        return innerObject["errorCode"] as? Int
    }
}

struct CurlFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// curl as the device, exactly as the DPS "X.509 over HTTPS without an SDK" walkthrough uses it.
enum Curl {
    /// Runs curl with `arguments` plus `--cacert` when `caFile` is given, and `--cert`/`--key` when
    /// `device` is given. A `--max-time` in `arguments` overrides the default 20 s.
    static func run(
        _ arguments: [String],
        trusting caFile: String?,
        as device: DeviceIdentityFiles?,
        scratch: TemporaryDirectory
    ) throws -> CurlResult {
        let headerFile = scratch.file("headers-\(UUID().uuidString)")
        let bodyFile = scratch.file("body-\(UUID().uuidString)")
        var fullArguments = ["-sS", "--max-time", "20", "-D", headerFile, "-o", bodyFile]
        if let caFile {
            fullArguments += ["--cacert", caFile]
        }
        if let device {
            fullArguments += ["--cert", device.certificateFile, "--key", device.privateKeyFile]
        }
        let run = try ExternalTool.run("curl", fullArguments + arguments)
        let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        let body = (try? String(contentsOfFile: bodyFile, encoding: .utf8)) ?? ""
        let (status, headers) = parseLastResponseHead(headerText)
        return CurlResult(
            exitCode: run.exitCode,
            status: status,
            headers: headers,
            body: body,
            standardOutput: run.standardOutput,
            standardError: run.standardError
        )
    }

    /// With `-L` or several URLs the dump holds several heads; tests care about the last.
    private static func parseLastResponseHead(_ text: String) -> (Int?, [HTTPHeaderField]) {
        var status: Int?
        var headers: [HTTPHeaderField] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("HTTP/") {
                status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
                headers = []
            } else if let colon = line.firstIndex(of: ":") {
                headers.append(
                    HTTPHeaderField(
                        name: String(line[..<colon]),
                        value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    )
                )
            }
        }
        return (status, headers)
    }
}
