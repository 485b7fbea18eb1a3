import NIOCore
import NIOPosix
import Synchronization

/// A message to publish with a reply inbox (`NATSConnection.requests`).
public struct NATSRequest: Sendable {
    public let subject: String
    public let headers: [(name: String, value: String)]
    public let payload: ByteBuffer

    public init(subject: String, headers: [(name: String, value: String)] = [], payload: ByteBuffer) {
        self.subject = subject
        self.headers = headers
        self.payload = payload
    }
}

/// One client connection to a NATS server over SwiftNIO: the handshake (`INFO`, then `CONNECT` and a `PING` that
/// must come back as `PONG`), automatic `PONG` to the server's `PING`, and requests: a publish whose reply comes
/// to this connection's inbox (`_INBOX.<random>.<n>`, one wildcard subscription), as JetStream acknowledges a
/// publish and answers its API. Every answer is a future; when the connection closes, every pending one fails.
public final class NATSConnection: Sendable {
    public let channel: any Channel
    private let handler: NIOLoopBound<NATSClientHandler>
    /// The prefix of this connection's reply subjects.
    public let inbox: String
    private let nextToken = Atomic<UInt64>(0)
    /// What the server said about itself (its `INFO` JSON).
    public let serverInfo: String

    private init(channel: any Channel, handler: NIOLoopBound<NATSClientHandler>, inbox: String, serverInfo: String) {
        self.channel = channel
        self.handler = handler
        self.inbox = inbox
        self.serverInfo = serverInfo
    }

    /// Connects and shakes hands; throws if the server does not answer within `timeout`.
    public static func connect(
        host: String, port: Int, name: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: TimeAmount = .seconds(5)
    ) async throws -> NATSConnection {
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
            let inbox = "_INBOX." + String(random.next() as UInt64, radix: 36) + String(random.next() as UInt64, radix: 36)
            let hello = #"{"verbose":false,"pedantic":false,"tls_required":false,"name":"\#(name)","lang":"swift","version":"1.1","protocol":1,"headers":true,"no_responders":true}"#
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

    /// Publishes `requests` with reply inboxes, in one write and one flush; returns each reply as a future.
    public func requests(_ requests: [NATSRequest]) -> [EventLoopFuture<NATSMessage>] {
        let loop = self.channel.eventLoop
        let first = self.nextToken.wrappingAdd(UInt64(requests.count), ordering: .relaxed).oldValue
        let promises = requests.map { _ in loop.makePromise(of: NATSMessage.self) }
        let (channel, handler, inbox) = (self.channel, self.handler, self.inbox)
        loop.execute {
            var buffer = channel.allocator.buffer(capacity: requests.reduce(0) { $0 + $1.payload.readableBytes + 128 })
            for (index, request) in requests.enumerated() {
                let token = first + UInt64(index)
                guard handler.value.await(token: token, promises[index]) else { continue }
                NATSClientOp.publish(request.subject, replyTo: "\(inbox).\(token)", headers: request.headers,
                                     payload: request.payload, into: &buffer)
            }
            channel.writeAndFlush(buffer, promise: nil)
        }
        return promises.map(\.futureResult)
    }

    /// A batch for up to `capacity` messages, each to be published with a reply inbox of its own (`send`).
    public func makeBatch(capacity: Int) -> NATSPublishBatch {
        let first = self.nextToken.wrappingAdd(UInt64(capacity), ordering: .relaxed).oldValue
        return NATSPublishBatch(inbox: Array((self.inbox + ".").utf8), firstToken: first, capacity: capacity,
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

    /// One request, failed with `.timeout` if no reply comes within `timeout`.
    public func request(_ request: NATSRequest, timeout: TimeAmount = .seconds(5)) async throws -> NATSMessage {
        let reply = self.requests([request])[0]
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

    public func close() { self.channel.close(promise: nil) }

    public var closeFuture: EventLoopFuture<Void> { self.channel.closeFuture }
}

/// Messages framed as `HPUB <subject> <inbox>.<token> <header bytes> <total bytes>` straight into one buffer, with
/// no string built per message: what a publisher of many small messages needs. Each `append` writes one message's
/// subject, header lines (`Name: value\r\n`, without the `NATS/1.0` line) and payload into scratch buffers the
/// batch reuses.
public struct NATSPublishBatch: Sendable {
    public private(set) var buffer: ByteBuffer
    public private(set) var count = 0
    /// Messages appended with a reply inbox.
    public private(set) var replies = 0
    let firstToken: UInt64
    let capacity: Int
    private let inbox: [UInt8]
    private var subject: ByteBuffer
    private var headers: ByteBuffer
    private var payload: ByteBuffer

    /// A batch whose replies go to `<inbox><token>`, tokens from `firstToken` on (`NATSConnection.makeBatch`).
    public init(inbox: [UInt8], firstToken: UInt64, capacity: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.inbox = inbox
        self.firstToken = firstToken
        self.capacity = capacity
        self.buffer = allocator.buffer(capacity: capacity * 320)
        self.subject = allocator.buffer(capacity: 64)
        self.headers = allocator.buffer(capacity: 96)
        self.payload = allocator.buffer(capacity: 256)
    }

    /// Appends one message; `write` fills its subject, header lines and payload. Without `reply` it goes without a
    /// reply inbox (JetStream then sends no acknowledgement for it).
    public mutating func append(
        reply: Bool = true,
        _ write: (_ subject: inout ByteBuffer, _ headers: inout ByteBuffer, _ payload: inout ByteBuffer) -> Void
    ) {
        precondition(self.count < self.capacity, "a batch of \(self.capacity) messages is full")
        self.subject.clear()
        self.headers.clear()
        self.payload.clear()
        write(&self.subject, &self.headers, &self.payload)
        let headerBytes = Self.statusLine.count + self.headers.readableBytes + 2
        self.buffer.writeBytes(Self.hpub)
        self.buffer.writeImmutableBuffer(self.subject)
        self.buffer.writeInteger(UInt8(ascii: " "))
        if reply {
            self.buffer.writeBytes(self.inbox)
            self.buffer.writeDecimal(self.firstToken + UInt64(self.replies))
            self.buffer.writeInteger(UInt8(ascii: " "))
            self.replies += 1
        }
        self.buffer.writeDecimal(UInt64(headerBytes))
        self.buffer.writeInteger(UInt8(ascii: " "))
        self.buffer.writeDecimal(UInt64(headerBytes + self.payload.readableBytes))
        self.buffer.writeBytes(Self.crlf)
        self.buffer.writeBytes(Self.statusLine)
        self.buffer.writeImmutableBuffer(self.headers)
        self.buffer.writeBytes(Self.crlf)
        self.buffer.writeImmutableBuffer(self.payload)
        self.buffer.writeBytes(Self.crlf)
        self.count += 1
    }

    private static let hpub = Array("HPUB ".utf8)
    private static let statusLine = Array("NATS/1.0\r\n".utf8)
    private static let crlf: [UInt8] = [13, 10]
}

extension ByteBuffer {
    /// Writes `value` in decimal ASCII without building a string.
    public mutating func writeDecimal(_ value: UInt64) {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { bytes in
            var rest = value
            for index in stride(from: digits - 1, through: 0, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            return digits
        }
    }
}

/// The connection's state, on its event loop.
final class NATSClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NATSServerOp
    typealias OutboundOut = ByteBuffer

    let info: EventLoopPromise<String>
    private var infoSeen = false
    private var pongs: [EventLoopPromise<Void>] = []
    private var pending: [UInt64: EventLoopPromise<NATSMessage>] = [:]
    private var closed = false
    var inboxPrefix = ""
    /// Set when the server sent `-ERR` or broke the protocol.
    var failure: NATSError?

    init(eventLoop: any EventLoop) {
        self.info = eventLoop.makePromise(of: String.self)
    }

    func expectPong() -> EventLoopFuture<Void> {
        let promise = self.info.futureResult.eventLoop.makePromise(of: Void.self)
        if self.closed { promise.fail(self.failure ?? NATSError.closed) } else { self.pongs.append(promise) }
        return promise.futureResult
    }

    /// Registers the promise of reply `token`; false (and the promise failed) once the connection closed.
    func await(token: UInt64, _ promise: EventLoopPromise<NATSMessage>) -> Bool {
        guard !self.closed else {
            promise.fail(self.failure ?? NATSError.closed)
            return false
        }
        self.pending[token] = promise
        return true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .info(let json):
            if !self.infoSeen {
                self.infoSeen = true
                self.info.succeed(json)
            }
        case .ping:
            var buffer = context.channel.allocator.buffer(capacity: 8)
            NATSClientOp.pong(into: &buffer)
            context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
        case .pong:
            if !self.pongs.isEmpty { self.pongs.removeFirst().succeed() }
        case .ok:
            break
        case .error(let text):
            // The server closes the connection after most errors; a permissions error it does not, but then a
            // publish of ours was refused, which the caller must see: close either way.
            self.failure = self.failure ?? .server(text)
            context.close(promise: nil)
        case .message(let message):
            guard message.subject.hasPrefix(self.inboxPrefix),
                let token = UInt64(message.subject.dropFirst(self.inboxPrefix.count)),
                let promise = self.pending.removeValue(forKey: token)
            else { return }
            promise.succeed(message)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.failure = self.failure ?? (error as? NATSError) ?? .protocolViolation("\(error)")
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failEverything()
        context.fireChannelInactive()
    }

    /// A channel that never connected is torn down without becoming inactive: its promises fail here.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.failEverything()
    }

    private func failEverything() {
        self.closed = true
        let error = self.failure ?? NATSError.closed
        if !self.infoSeen {
            self.infoSeen = true
            self.info.fail(error)
        }
        let (pongs, pending) = (self.pongs, self.pending)
        self.pongs.removeAll()
        self.pending.removeAll()
        for promise in pongs { promise.fail(error) }
        for promise in pending.values { promise.fail(error) }
    }
}
