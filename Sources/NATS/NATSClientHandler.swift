import NIOCore

/// The connection's state, on its event loop: the server's `INFO`, the `PONG`s awaited, and the promise of each
/// reply awaited, by the token of its inbox subject. When the connection closes, everything awaited fails.
final class NATSClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NATSServerOp
    typealias OutboundOut = ByteBuffer

    /// The server's first `INFO` JSON.
    let info: EventLoopPromise<String>
    private var infoSeen = false
    private var pongs: [EventLoopPromise<Void>] = []
    private var pending: [UInt64: EventLoopPromise<NATSMessage>] = [:]
    private var closed = false
    /// `<inbox>.`: replies come to it followed by their token.
    var inboxPrefix = ""
    /// Set when the server sent `-ERR` or broke the protocol.
    var failure: NATSError?

    init(eventLoop: any EventLoop) {
        self.info = eventLoop.makePromise(of: String.self)
    }

    /// The `PONG` that answers the next `PING` sent (the server answers them in order).
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
