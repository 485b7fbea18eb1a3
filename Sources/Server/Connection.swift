import Dispatch
import Logging
import NIOCore
import SeatActors
import Store

/// One client connection: the NIO glue between a channel and its `ConnectionStateMachine`, on the connection's
/// event loop from read to reply. The state machine decides (what to execute, which replies may leave, when to
/// read, half-close or close); the handler carries it out.
///
/// Every complete line of a read is executed before anything waits. A request to a session of this loop runs in
/// the session's turn at once (`Dispatcher.runInTurn`: the session's executor is this loop); requests to sessions of
/// other loops go to each such loop as one batch per read, and come back as one batch. The leading replies whose
/// changes are durable are written as one buffer with one flush; the rest wait for the loop's durability callback
/// (`DurabilityWaiters`: one per loop, on the log's thread), which hops back to this loop once per fsync.
///
/// A few requests wait for other work (STATS, SNAPSHOT, DROP SESSION, WATCH): each runs as an event-loop future
/// once every earlier request has run, and nothing after it runs before it is done. A watching connection's
/// events come from its `WatchStream`.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = [ByteBuffer]
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    typealias Timing = ConnectionStateMachine.Timing
    typealias Slot = ConnectionStateMachine.Slot

    /// Requests for the sessions of one other executor (another loop), gathered during one pass.
    private struct RemoteBatch {
        let executor: any SessionExecutor
        var items: [(slot: Int, request: SessionRequest, session: Session, timing: Timing)] = []
    }

    private let server: SeatServer
    private let dispatcher: Dispatcher
    private let settings: ServerSettings
    private let logger: Logger
    private var context: ChannelHandlerContext?
    /// The session executor of this connection's loop: requests to its sessions run in place.
    private var home: LoopSessionExecutor?
    /// What AUTH granted.
    private var grant: Dispatcher.ConnectionState
    private var machine: ConnectionStateMachine
    private var remote: [RemoteBatch] = []
    private var lastWrite: EventLoopFuture<Void>?
    private var closer: Scheduled<Void>?
    /// While watching: the stream of events.
    private var watch: WatchStream?
    /// Admitted (`Admission`): counted until the channel closes.
    private var admitted = false
    /// With auth on, until AUTH succeeds: the close at the auth deadline.
    private var authDeadline: Scheduled<Void>?
    private var address: String?

    init(server: SeatServer, logger: Logger) {
        self.server = server
        self.dispatcher = server.dispatcher
        self.settings = server.settings
        self.logger = logger
        self.grant = server.dispatcher.newConnection
        self.machine = ConnectionStateMachine(capacity: server.settings.pipelineDepthMax)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.home = self.server.executors?.executor(of: context.eventLoop)
    }

    /// The context holds the handler: letting it go ends the cycle.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        let open = self.dispatcher.connections.wrappingAdd(1, ordering: .relaxed).newValue
        self.dispatcher.metrics.connections.record(open)
        self.logger.debug("connected")
        self.address = context.channel.remoteAddress?.ipAddress
        switch self.server.admission.admit(context.channel, address: self.address, open: open) {
        case .refused(let reason, let metric):
            self.logger.info("refused: \(reason)", metadata: ["open": "\(open)"])
            if let metric { self.dispatcher.metrics.authFailure(metric) }
            self.machine.end(with: .error(.busy, reason), timing: nil)
            self.pass()
            return
        case .admitted(let evict):
            self.admitted = true
            evict?.pipeline.fireUserInboundEventTriggered(SeatServer.Evict())
        }
        if self.grant.role == nil { self.startAuthDeadline(context) }
        if self.server.isDraining { self.drain() }
        context.fireChannelActive()
    }

    /// With auth on: a connection that has not authenticated within `limits.auth_timeout_ms` of its accept gets
    /// `ERR NOAUTH` and is closed.
    private func startAuthDeadline(_ context: ChannelHandlerContext) {
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.authDeadline = context.eventLoop.scheduleTask(in: .milliseconds(Int64(self.settings.authTimeoutMs))) {
            handler.value.stranger(
                .error(.noAuth, "no AUTH within \(handler.value.settings.authTimeoutMs) ms"), metric: "timeout")
        }
    }

    /// Closes a connection that has not authenticated (its deadline passed, or its slot went to a newer one).
    private func stranger(_ reply: Response, metric: String) {
        guard self.grant.role == nil, self.machine.isOpen else { return }
        self.logger.info("closed before AUTH", metadata: ["reason": "\(metric)"])
        self.dispatcher.metrics.authFailure(metric)
        self.machine.end(with: reply, timing: nil)
        self.pass()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let open = self.dispatcher.connections.wrappingSubtract(1, ordering: .relaxed).newValue
        self.dispatcher.metrics.connections.record(open)
        self.logger.debug("disconnected")
        self.machine.channelClosed()
        self.closer?.cancel()
        self.authDeadline?.cancel()
        if self.admitted { self.server.admission.closed(context.channel, address: self.address) }
        self.watch?.cancel()
        self.watch = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.machine.read(self.unwrapInboundIn(data))
        self.pass()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            self.machine.inputEnded()
            self.pass()
        case is SeatServer.Drain:
            self.drain()
        case is SeatServer.Evict:
            self.stranger(.error(.noAuth, "closed to make room for a new connection: AUTH first"), metric: "evicted")
        case let certificate as TLSClientRole:
            // A verified client certificate grants its role as AUTH would (before any request is read).
            let stranger = self.grant.role == nil
            self.grant.role = certificate.role
            if stranger, let channel = self.context?.channel {
                self.authDeadline?.cancel()
                self.server.admission.authenticated(channel)
            }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is ByteToMessageDecoderError.PayloadTooLargeError {
            self.machine.readTooLong()
            self.pass()
        } else {
            // A reset or a failed socket: nothing more can be answered.
            context.close(promise: nil)
        }
    }

    /// A write can fill the socket's buffer and change its writability at once: the pass that follows runs on the
    /// loop's next turn, never inside the one that wrote.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { handler.value.pass() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if self.machine.readRequested(writable: context.channel.isWritable) { context.read() }
    }

    /// Shutting down: nothing more is executed; what was executed is answered, what was read and not executed is
    /// refused, then the connection half-closes, and closes when the client closes or the drain ends (whatever it
    /// is waiting for then: a slow reader, a client that does not close its side). Reads go on and are dropped:
    /// closing a socket with unread bytes makes the kernel reset it, and a reset throws away replies not yet sent.
    private func drain() {
        guard let context, self.machine.drain() else { return }
        self.server.beginDrain()
        self.scheduleCloser()
        self.pass()
        context.read()
    }

    // MARK: A pass

    /// Executes what may be executed, sends what is durable, ends what is done and reads on when there is room.
    private func pass() {
        guard let context, !self.machine.isClosed else { return }
        let channel = context.channel
        repeat {
            while let input = self.machine.nextInput(writable: channel.isWritable) {
                switch input {
                case .line(let line): self.execute(line)
                case .tooLong: self.tooLong()
                }
            }
            self.sendRemote(from: context.eventLoop)
            self.startDeferred(on: context.eventLoop)
            self.flush(context)
        } while self.machine.hasExecutableInput(writable: channel.isWritable)
        if self.machine.hasRoom(writable: channel.isWritable) { self.watch?.roomFreed() }
        self.finish(context)
        // Last: a read may bring lines that start the next pass.
        if self.machine.releaseRead(writable: channel.isWritable) { context.read() }
    }

    // MARK: Executing

    /// Parses and executes one line, queueing its reply. A watching connection takes only PING and QUIT: any other
    /// line, a known verb or not, is BAD_REQUEST there.
    private func execute(_ line: ByteBuffer) {
        guard line.readableBytes <= self.settings.lineBytesMax else { return self.tooLong() }
        let started = DispatchTime.now().uptimeNanoseconds
        guard let parsed = Request.parse(line) else { return }
        let watching = self.machine.mode == .watching
        let request: Request
        switch parsed {
        case .failure(let error):
            let reply = watching ? Self.watchingOnly : Response.error(error.code.code, error.message)
            return self.machine.answer(reply, .none, Timing(command: .invalid, startedNs: started))
        case .success(let value):
            request = value
        }
        let timing = Timing(command: request.command, startedNs: started)
        if watching, !request.allowedWhileWatching { return self.machine.answer(Self.watchingOnly, .none, timing) }
        let stranger = self.grant.role == nil
        let step = self.dispatcher.begin(request, state: &self.grant)
        if stranger, self.grant.role != nil, let channel = self.context?.channel {
            self.authDeadline?.cancel()
            self.server.admission.authenticated(channel)
        }
        switch step {
        case .done(.reply(let response, let token)):
            self.machine.answer(response, token, timing)
        case .done(.quit):
            self.machine.end(with: .line("OK BYE"), timing: timing)
        case .done(.end(let response)):
            self.machine.end(with: response, timing: timing)
        case .done(.watch(let session, let from)):
            self.machine.defer(.watch(session: session, from: from), timing: timing)
        case .suspending(let request):
            self.machine.defer(.suspending(request), timing: timing)
        case .session(let request, let session):
            if let home = self.home, session.executor === home {
                let outcome = self.dispatcher.runInTurn(request, in: session)
                self.machine.answer(outcome.response, outcome.token, timing)
            } else {
                let item = (slot: self.machine.reserve(), request: request, session: session, timing: timing)
                if let index = self.remote.firstIndex(where: { $0.executor === session.executor }) {
                    self.remote[index].items.append(item)
                } else {
                    self.remote.append(RemoteBatch(executor: session.executor, items: [item]))
                }
            }
        }
    }

    private func tooLong() {
        self.logger.debug("line too long")
        let reply = Response.error(.lineTooLong, "a line may have at most \(self.settings.lineBytesMax) bytes")
        self.machine.end(
            with: reply, timing: Timing(command: .invalid, startedNs: DispatchTime.now().uptimeNanoseconds))
    }

    private static let watchingOnly = Response.error(.badRequest, "a watching connection only takes PING and QUIT")

    /// Sends each other executor its batch; the answers come back as one batch.
    private func sendRemote(from loop: any EventLoop) {
        guard !self.remote.isEmpty else { return }
        let batches = self.remote
        self.remote.removeAll(keepingCapacity: true)
        let dispatcher = self.dispatcher
        let handler = NIOLoopBound(self, eventLoop: loop)
        for batch in batches {
            let items = batch.items
            batch.executor.execute {
                let answers = items.map { item in
                    (item.slot, dispatcher.runInTurn(item.request, in: item.session), item.timing)
                }
                loop.execute {
                    let handler = handler.value
                    for (slot, answer, timing) in answers {
                        handler.machine.fill(slot, .reply(answer.response, answer.token, timing))
                    }
                    handler.pass()
                }
            }
        }
    }

    /// Starts the deferred request once it is the only request still undecided.
    private func startDeferred(on loop: any EventLoop) {
        guard let (request, slot, timing) = self.machine.startDeferred() else { return }
        let dispatcher = self.dispatcher
        let handler = NIOLoopBound(self, eventLoop: loop)
        switch request {
        case .suspending(.authFailed(let delayMs)):
            // A timer on the loop, not a task: a guesser's delays cost no thread.
            loop.scheduleTask(in: .milliseconds(Int64(delayMs))) {
                handler.value.machine.deferredDecided(slot, .reply(Dispatcher.invalidToken, .none, timing))
                handler.value.pass()
            }
        case .suspending(let request):
            loop.makeFutureWithTask { await dispatcher.finish(request) }.whenSuccess { answer in
                handler.value.machine.deferredDecided(slot, .reply(answer.response, answer.token, timing))
                handler.value.pass()
            }
        case .watch(let session, let from):
            let bufferMax = self.settings.watchEventsMax
            loop.makeFutureWithTask { await dispatcher.watch(session: session, from: from, bufferMax: bufferMax) }
                .whenSuccess { start in handler.value.started(start, session: session, from: from, slot, timing) }
        }
    }

    // MARK: Watching

    /// The WATCH's start decided: `OK` and the stream, or the refusal.
    private func started(_ start: Dispatcher.WatchStart, session: String?, from: LSN?, _ slot: Int, _ timing: Timing) {
        switch start {
        case .trimmed(let oldest, let token):
            let response = Response.error(.trimmed, "\(oldest)")
            self.machine.deferredDecided(slot, .reply(response, token, timing))
        case .watching(let watch):
            guard let context, self.machine.startWatching(slot: slot, timing: timing) else {
                return watch.events.cancel()
            }
            self.logger.debug("watching", metadata: ["session": "\(session ?? "*")", "from": "\(from ?? 0)"])
            let outlet = WatchStream.Outlet(handler: NIOLoopBound(self, eventLoop: context.eventLoop))
            self.watch = WatchStream(watch, into: outlet, logger: self.logger)
        }
        self.pass()
    }

    /// Queues events (or the line that ends the stream, and the close) from the watcher's stream; `resume` goes on
    /// once there is room for more, or with false once the connection takes no more.
    func enqueue(_ items: [Slot], resume: CheckedContinuation<Bool, Never>) {
        guard let watch = self.watch, self.machine.enqueue(items) else { return resume.resume(returning: false) }
        watch.waitForRoom(resume)
        self.pass()
    }

    // MARK: Writing

    /// Writes the leading replies whose changes are durable in one buffer with one flush; if the next one waits
    /// for the log, registers one callback for it.
    private func flush(_ context: ChannelHandlerContext) {
        let service = self.dispatcher.service
        let metrics = self.dispatcher.metrics
        var buffer: ByteBuffer? = nil
        func write(_ response: Response, _ timing: Timing?) {
            if let timing {
                metrics.record(
                    timing.command, response, nanoseconds: DispatchTime.now().uptimeNanoseconds &- timing.startedNs)
            }
            if buffer == nil { buffer = context.channel.allocator.buffer(capacity: 256) }
            self.dispatcher.render(response, into: &buffer!)
        }
        let writable = self.machine.takeWritable({ service.durability(of: $0) }, write: write)
        if let ticket = writable.wait { self.awaitDurable(ticket, on: context.eventLoop) }
        if let buffer {
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(self.wrapOutboundOut(buffer), promise: promise)
            self.lastWrite = promise.futureResult
        }
        if writable.halfClose { self.halfClose() }
    }

    /// Waits for the change `ticket` waits for to be decided, with the loop's other connections that wait
    /// (`DurabilityWaiters`: one callback per loop), or with a callback of its own on a loop that is not one of
    /// the server's session loops; the next pass asks the store again, which then says durable or lost.
    private func awaitDurable(_ ticket: DurabilityTicket, on loop: any EventLoop) {
        if let home = self.home { return home.durabilityWaiters.wait(self, for: ticket) }
        let handler = NIOLoopBound(self, eventLoop: loop)
        ticket.whenDecided { loop.execute { handler.value.durabilityDecided() } }
    }

    /// The durability callback fired: the next pass asks the store again.
    func durabilityDecided() {
        self.machine.durabilityDecided()
        self.pass()
    }

    // MARK: Closing

    /// After EOF or the drain, once every line read is answered: a watcher's stream ends, and the connection
    /// closes (EOF) or half-closes (the drain) after its last reply.
    private func finish(_ context: ChannelHandlerContext) {
        let finish = self.machine.finish()
        guard finish != .none else { return }
        self.watch?.endEvents()
        switch finish {
        case .none, .streamEnds:
            return
        case .halfClose:
            self.halfClose()
        case .close:
            let channel = context.channel
            if let lastWrite {
                lastWrite.whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        }
    }

    /// Half-closes after the last reply, so a FIN follows it, and keeps the socket until the client has read to the
    /// end and closed its side, or the grace runs out. Closing it at once would leave unsent bytes in an orphaned
    /// kernel socket, which Linux may reset before a slow reader gets them: the last reply would arrive cut.
    private func halfClose() {
        guard let context, self.machine.halfClose() else { return }
        self.watch?.cancel()
        self.watch = nil
        self.scheduleCloser()
        let channel = context.channel
        let close = { channel.close(mode: .output, promise: nil) }
        if let lastWrite { lastWrite.whenComplete { _ in close() } } else { close() }
        // Reads go on, so that the client's close is seen.
        context.read()
    }

    private func scheduleCloser() {
        guard let context else { return }
        self.closer?.cancel()
        let channel = context.channel
        self.closer = context.eventLoop.scheduleTask(in: self.server.closeGrace) { channel.close(promise: nil) }
    }
}
