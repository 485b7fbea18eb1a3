import NIOCore

/// The channel glue of one client connection: it frames lines, writes requests, and asks its
/// `ConnectionStateMachine` what each reply, close and timeout means. Every method runs on the channel's event loop.
///
/// Requests are written into one buffer and flushed together, as seat-load's own connections do: while earlier
/// requests await their replies, new ones wait for the next burst of replies (`channelReadComplete`), so one
/// `write` carries many requests and the server reads them in one go; on an idle connection a request is flushed
/// once the event loop has run the tasks queued before it. A flushed request always gets a reply or a close, so nothing waits forever.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var machine = ConnectionStateMachine()
    private var context: ChannelHandlerContext?
    private var inbound: ByteBuffer?
    private var outbound: ByteBuffer
    private var flushScheduled = false
    /// Requests flushed and not answered yet.
    private var awaitingReplies = 0
    private var unflushed = 0
    private var timer: Scheduled<Void>?
    /// Where the lines of an event stream go, once WATCH answered `OK`.
    var onStreamLine: ((String) -> Void)?
    /// Called once when the connection ends, with why.
    var onClose: ((SeatdError) -> Void)?

    init() {
        self.outbound = ByteBufferAllocator().buffer(capacity: 4096)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.closed(.connectionLost("the connection was closed"))
        self.context = nil
    }

    /// Writes `line` and its LF as a request whose reply resumes `continuation`.
    func submit(
        _ line: String, continuation: UnsafeContinuation<String, any Error>, deadline: NIODeadline,
        startsStream: Bool
    ) {
        let pending = ConnectionStateMachine.Pending(
            continuation: continuation, deadline: deadline, startsStream: startsStream)
        switch self.machine.send(pending) {
        case .fail(let error):
            continuation.resume(throwing: error)
        case .write:
            self.outbound.writeString(line)
            self.outbound.writeInteger(UInt8(ascii: "\n"))
            self.unflushed += 1
            if self.timer == nil { self.armTimer() }
            if self.awaitingReplies == 0, let context = self.context { self.scheduleFlush(context) }
        }
    }

    private func flushOutbound() {
        self.flushScheduled = false
        guard let context = self.context, self.outbound.readableBytes > 0 else { return }
        self.awaitingReplies += self.unflushed
        self.unflushed = 0
        context.writeAndFlush(self.wrapOutboundOut(self.outbound), promise: nil)
        self.outbound = context.channel.allocator.buffer(capacity: max(4096, self.outbound.capacity))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        if var kept = self.inbound {
            kept.writeBuffer(&buffer)
            buffer = kept
        }
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readerIndex
            var line = buffer.readString(length: length) ?? ""
            buffer.moveReaderIndex(forwardBy: 1)
            if line.utf8.last == UInt8(ascii: "\r") { line.removeLast() }
            self.line(line, context: context)
            if self.machine.isClosed { return }
        }
        self.inbound = buffer.readableBytes > 0 ? buffer : nil
    }

    private func line(_ line: String, context: ChannelHandlerContext) {
        switch self.machine.received(line) {
        case .reply(let pending):
            self.awaitingReplies -= 1
            pending.continuation.resume(returning: line)
        case .streamed: self.onStreamLine?(line)
        case .close(let error):
            self.closed(error)
            context.close(promise: nil)
        }
    }

    /// Flushes after the tasks these replies resume have run, when they run on this event loop (their next
    /// requests then go out in the same write).
    func channelReadComplete(context: ChannelHandlerContext) {
        self.scheduleFlush(context)
        context.fireChannelReadComplete()
    }

    private func scheduleFlush(_ context: ChannelHandlerContext) {
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { bound.value.flushOutbound() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closed(.connectionLost("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.closed(.connectionLost("\(error)"))
        context.close(promise: nil)
    }

    /// Closes the connection: every waiting request fails, the oldest with `error`, the others as lost.
    func close(_ error: SeatdError) {
        self.closed(error)
        self.context?.close(promise: nil)
    }

    private func closed(_ error: SeatdError) {
        guard !self.machine.isClosed else { return }
        let failed = self.machine.close(error)
        self.timer?.cancel()
        self.timer = nil
        for (index, pending) in failed.enumerated() {
            pending.continuation.resume(throwing: index == 0 ? error : Self.behind(error))
        }
        self.onStreamLine = nil
        self.onClose?(error)
        self.onClose = nil
    }

    /// What a request queued behind a failed one learns: a timeout of the one before it is a lost connection.
    private static func behind(_ error: SeatdError) -> SeatdError {
        error == .timeout ? .connectionLost("closed after an earlier request timed out") : error
    }

    private func armTimer() {
        guard let context = self.context, let deadline = self.machine.nextDeadline else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(deadline: deadline) { bound.value.timerFired() }
    }

    private func timerFired() {
        self.timer = nil
        if self.machine.isOverdue(at: .now()) {
            self.close(.timeout)
        } else {
            self.armTimer()
        }
    }
}
