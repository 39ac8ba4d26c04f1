import Foundation
import Testing

/// Checks on the line a person reads when a connection fails.
enum ErrorLine {
    /// One non-empty line holding every phrase (the host, what went wrong, what to do).
    static func expectOneClearLine(_ line: String, mentions phrases: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!line.isEmpty, sourceLocation: sourceLocation)
        #expect(!line.contains("\n") && !line.contains("\r"), "not one line: \(line)", sourceLocation: sourceLocation)
        for phrase in phrases {
            #expect(line.contains(phrase), "\"\(line)\" does not mention \"\(phrase)\"", sourceLocation: sourceLocation)
        }
    }

    /// Neither a passphrase nor any line of a PEM key file's base64 appears in `line`.
    static func expectNoSecrets(in line: String, passphrases: [String] = [], keyFiles: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(!line.contains("PRIVATE KEY"), sourceLocation: sourceLocation)
        for passphrase in passphrases {
            #expect(!line.contains(passphrase), "\"\(line)\" shows a passphrase", sourceLocation: sourceLocation)
        }
        for keyFile in keyFiles {
            let base64Lines = try String(contentsOfFile: keyFile, encoding: .utf8)
                .split(separator: "\n")
                .filter { !$0.hasPrefix("-----") && $0.count >= 16 }
            #expect(!base64Lines.isEmpty, "no key material in \(keyFile) to look for", sourceLocation: sourceLocation)
            for base64 in base64Lines {
                #expect(!line.contains(base64), "\"\(line)\" shows key material", sourceLocation: sourceLocation)
            }
        }
    }
}
