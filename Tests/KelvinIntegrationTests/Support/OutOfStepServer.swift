import Foundation
import NIOCore
import NIOSSL

/// A TLS server that says more than it was asked: the shapes of a desynchronised or hostile
/// peer on a kept-alive connection.
enum OutOfStepServer {
    enum Misbehaviour: Sendable {
        /// A second, unasked-for response in the same write as the first answer.
        case extraResponseWithTheAnswer
        /// An unasked-for response a little after the first answer, while the connection idles.
        case extraResponseWhileIdle
    }

    /// Every request gets `200 OK` with the body `answer <n> on connection <c>`; the first answer on
    /// each connection is followed by a forged `200 OK` with the body `forged`, as `misbehaviour` says.
    static func listen(certificateFile: String, privateKeyFile: String, _ misbehaviour: Misbehaviour) throws -> LocalListener {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: privateKeyFile, format: .pem))
        )
        let context = try NIOSSLContext(configuration: configuration)
        let connections = Counter()
        return try LocalListener { child in
            try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
            try child.pipeline.syncOperations.addHandler(Answers(misbehaviour, connection: connections.next()))
        }
    }

    static let forged = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            count += 1
            return count
        }
    }

    private final class Answers: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let misbehaviour: Misbehaviour
        let connection: Int
        var received: [UInt8] = []
        var answered = 0

        init(_ misbehaviour: Misbehaviour, connection: Int) {
            self.misbehaviour = misbehaviour
            self.connection = connection
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readBytes(length: buffer.readableBytes) ?? []
            // One answer per whole request head (the requests here have no body).
            while let end = headEnd() {
                received.removeFirst(end)
                answered += 1
                let body = "answer \(answered) on connection \(connection)"
                var answer = "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
                if answered == 1 {
                    switch misbehaviour {
                    case .extraResponseWithTheAnswer:
                        answer += OutOfStepServer.forged
                    case .extraResponseWhileIdle:
                        let channel = context.channel
                        context.eventLoop.scheduleTask(in: .milliseconds(50)) {
                            channel.writeAndFlush(ByteBuffer(string: OutOfStepServer.forged), promise: nil)
                        }
                    }
                }
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
            }
        }

        private func headEnd() -> Int? {
            guard received.count >= 4 else { return nil }
            for index in 0...(received.count - 4) where received[index..<(index + 4)].elementsEqual([13, 10, 13, 10]) {
                return index + 4
            }
            return nil
        }
    }
}
