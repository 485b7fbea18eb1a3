import NIOCore
import NIOPosix
import Synchronization

/// One client connection to a NATS server over SwiftNIO: the handshake (`INFO`, then `CONNECT` and a `PING` that
/// must come back as `PONG`), automatic `PONG` to the server's `PING`, and requests: a publish whose reply comes
/// to this connection's inbox (`_INBOX.<random>.<n>`, one wildcard subscription), as JetStream acknowledges a
/// publish and answers its API. Every answer is a future; when the connection closes, every pending one fails.
public final class NATSConnection: Sendable {
    private let channel: any Channel
    private let handler: NIOLoopBound<NATSClientHandler>
    /// The prefix of this connection's reply subjects.
    public let inbox: String
    /// The token of the next reply inbox.
    private let nextToken = Atomic<UInt64>(0)
    /// What the server said about itself (its `INFO` JSON).
    public let serverInfo: String

    private init(channel: any Channel, handler: NIOLoopBound<NATSClientHandler>, inbox: String, serverInfo: String) {
        self.channel = channel
        self.handler = handler
        self.inbox = inbox
        self.serverInfo = serverInfo
    }

    /// Connects and shakes hands, as `name`; throws if the server does not answer within `timeout`.
    public static func connect(
        host: String, port: Int, name: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: TimeAmount = .seconds(5)
    ) async throws -> NATSConnection {
        let hello = try NATSClientOp.Connect(name: name).json()
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NATSServerOpDecoder()))
                    try channel.pipeline.syncOperations.addHandler(NATSClientHandler(eventLoop: channel.eventLoop))
                }
            }
            .connect(host: host, port: port).get()
        let loop = channel.eventLoop
        let handler = try await loop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: NATSClientHandler.self), eventLoop: loop)
        }.get()
        let guardTask = loop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer { guardTask.cancel() }
        do {
            let info = try await loop.flatSubmit { handler.value.info.futureResult }.get()
            var random = SystemRandomNumberGenerator()
            let inbox =
                "_INBOX." + String(random.next() as UInt64, radix: 36)
                + String(random.next() as UInt64, radix: 36)
            try await loop.flatSubmit {
                let pong = handler.value.expectPong()
                var buffer = channel.allocator.buffer(capacity: 256)
                NATSClientOp.connect(hello, into: &buffer)
                NATSClientOp.subscribe(inbox + ".*", sid: "1", into: &buffer)
                NATSClientOp.ping(into: &buffer)
                channel.writeAndFlush(buffer, promise: nil)
                handler.value.inboxPrefix = inbox + "."
                return pong
            }.get()
            return NATSConnection(channel: channel, handler: handler, inbox: inbox, serverInfo: info)
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    /// A batch for up to `capacity` messages, each to be published with a reply inbox of its own (`send`).
    public func makeBatch(capacity: Int) -> NATSPublishBatch {
        let first = self.nextToken.wrappingAdd(UInt64(capacity), ordering: .relaxed).oldValue
        return NATSPublishBatch(
            inbox: Array((self.inbox + ".").utf8), firstToken: first, capacity: capacity,
            allocator: self.channel.allocator)
    }

    /// Publishes a batch in one write and one flush; returns the reply of each message appended with one, in order.
    public func send(_ batch: NATSPublishBatch) -> [EventLoopFuture<NATSMessage>] {
        let loop = self.channel.eventLoop
        let promises = (0..<batch.replies).map { _ in loop.makePromise(of: NATSMessage.self) }
        let (channel, handler) = (self.channel, self.handler)
        loop.execute {
            for (index, promise) in promises.enumerated() {
                guard handler.value.await(token: batch.firstToken + UInt64(index), promise) else { return }
            }
            channel.writeAndFlush(batch.buffer, promise: nil)
        }
        return promises.map(\.futureResult)
    }

    /// One request, as a batch of one; failed with `.timeout` (and the connection closed) if no reply comes within
    /// `timeout`.
    public func request(_ request: NATSRequest, timeout: TimeAmount = .seconds(5)) async throws -> NATSMessage {
        var batch = self.makeBatch(capacity: 1)
        batch.append(request)
        let reply = self.send(batch)[0]
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer { timer.cancel() }
        do { return try await reply.get() } catch NATSError.closed where !channel.isActive {
            throw NATSError.timeout(request.subject)
        }
    }

    /// Why the connection failed, if the server said (`-ERR`) or spoke something else; nil otherwise.
    public var failure: EventLoopFuture<NATSError?> {
        let handler = self.handler
        return self.channel.closeFuture.map { handler.value.failure }.recover { _ in handler.value.failure }
    }

    /// Closes the connection; every reply still awaited fails.
    public func close() { self.channel.close(promise: nil) }

    /// Succeeds once the connection has closed.
    public var closeFuture: EventLoopFuture<Void> { self.channel.closeFuture }
}
