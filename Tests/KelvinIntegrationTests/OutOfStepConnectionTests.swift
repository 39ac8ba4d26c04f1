import Foundation
import HTTP1
import HTTPSClient
import Testing

/// A kept-alive connection whose server says something no request asked for is broken: the
/// client closes it and never takes those bytes for the next answer.
@Suite(.serialized) struct OutOfStepConnectionTests {
    func twoRequests(_ misbehaviour: OutOfStepServer.Misbehaviour, pause: Double) throws -> (first: String, second: String, connections: Int) {
        let fixture = try CloudFixture()
        let server = try OutOfStepServer.listen(
            certificateFile: fixture.serverIdentity.certificateFile, privateKeyFile: fixture.serverIdentity.privateKeyFile, misbehaviour
        )
        let connection = HTTPSConnection(host: "localhost", port: server.port, context: try fixture.context(), timeouts: shortTimeouts)
        defer { connection.close() }
        let first = try connection.send(HTTPRequest(method: .get, target: "/one"))
        Thread.sleep(forTimeInterval: pause)
        let second = try connection.send(HTTPRequest(method: .get, target: "/two"))
        return (first.bodyText, second.bodyText, connection.connectionsOpened)
    }

    @Test func bytesBeyondACompleteResponse_closeTheConnectionAndAreNeverTheNextAnswer() throws {
        let outcome = try twoRequests(.extraResponseWithTheAnswer, pause: 0)
        #expect(outcome.first == "answer 1 on connection 1")
        #expect(outcome.second == "answer 1 on connection 2")
        #expect(outcome.connections == 2)
    }

    @Test func bytesArrivingWhileIdle_closeTheConnectionBeforeTheNextRequestGoesOut() throws {
        let outcome = try twoRequests(.extraResponseWhileIdle, pause: 0.3)
        #expect(outcome.first == "answer 1 on connection 1")
        #expect(outcome.second == "answer 1 on connection 2")
        #expect(outcome.connections == 2)
    }
}
