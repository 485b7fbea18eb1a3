import DequeModule
import Dispatch
import Logging
import NIOCore
import SeatActors
import Store
import WAL

/// One client connection: a channel handler that runs on the connection's event loop from read to reply.
///
/// Every complete line of a read is executed before anything waits. A request to a session of this loop runs in
/// the session's turn at once (`assumeIsolated`: the session's executor is this loop); requests to sessions of
/// other loops go to each such loop as one batch per read, and come back as one batch. Replies keep request order
/// in `slots`; the leading ones whose changes are durable are written as one buffer with one flush, and the rest
/// wait for one durability callback of the log (on its thread), which hops back to this loop once per fsync.
///
/// A few requests wait for other work (STATS, SNAPSHOT, DROP SESSION, WATCH): each runs in a task once every
/// earlier request has run, and nothing after it runs before it is done. Backpressure: past `pipelineDepthMax`
/// unanswered requests, or while the socket is backed up, no more lines are executed and no more are read.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = [ByteBuffer]
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The request a reply answers and when it was read, for the latency metric.
    struct Timing: Sendable {
        let command: ServerMetrics.Command
        let startedNs: UInt64
    }

    /// A reply on its way out.
    private enum Slot {
        /// Being decided on another loop or in a task.
        case pending
        /// A reply to send once the change its token names is durable; `timing` when it answers a request.
        case reply(Response, CommitToken, Timing?)
        /// An event line for a watcher, sent once its change is durable; if the change was lost (the log failed),
        /// `ERR UNAVAILABLE` goes instead and the connection closes: a watcher never sees a lost change, and never
        /// a later event after a gap.
        case event(Response, CommitToken)
        /// Send what came before, then close (QUIT, a line too long, a watcher cut off).
        case close
    }

    /// What was read: a line, or a line longer than the limit (the decoder's buffer overflowed).
    private enum Input {
        case line(ByteBuffer)
        case tooLong
    }

    /// A request that waits for a task; it starts once every earlier request has been answered or decided.
    private enum Deferred {
        case suspending(Dispatcher.Suspending)
        case watch(session: String?, from: LSN?)
    }

    /// Requests for the sessions of one other executor (another loop), gathered during one pass.
    private struct RemoteBatch {
        let executor: any SessionExecutor
        var items: [(slot: Int, request: SessionRequest, session: Session, epoch: Int, timing: Timing)] = []
    }

    private let server: SeatServer
    private let dispatcher: Dispatcher
    private let settings: ServerSettings
    private let logger: Logger
    private var context: ChannelHandlerContext?
    /// The session executor of this connection's loop: requests to its sessions run in place.
    private var home: LoopSessionExecutor?
    private var state: Dispatcher.ConnectionState

    /// Lines read and not yet executed.
    private var inputs: Deque<Input> = []
    /// Replies not yet written, in request order; slot number `firstSlot + i` is `slots[i]`.
    private var slots: Deque<Slot> = []
    private var firstSlot = 0
    /// Slots being decided elsewhere.
    private var outstanding = 0
    /// A request that waits for a task: what it is, its slot and timing, and whether its task started.
    private var deferred: (request: Deferred, slot: Int, timing: Timing, started: Bool)?
    private var remote: [RemoteBatch] = []
    /// Set once nothing more is executed: QUIT, a line too long, a watcher cut off.
    private var ending = false
    /// No more input: EOF, or shutting down.
    private var inputClosed = false
    private var draining = false
    /// The connection half-closed its output (after its last reply) and waits for the client to close.
    private var closing = false
    private var closed = false
    /// A durability callback is registered.
    private var awaitingDurable = false
    /// A read was held back by backpressure.
    private var heldRead = false
    private var passing = false
    private var passAgain = false
    private var lastWrite: EventLoopFuture<Void>?
    private var closer: Scheduled<Void>?
    /// Set once WATCH was answered `OK`: the connection then takes only PING and QUIT.
    private var watching = false
    /// While watching: the subscription, and the stream task waiting for room.
    private var subscription: EventSubscription?
    private var roomWaiter: CheckedContinuation<Bool, Never>?

    init(server: SeatServer, logger: Logger) {
        self.server = server
        self.dispatcher = server.dispatcher
        self.settings = server.settings
        self.logger = logger
        self.state = server.dispatcher.newConnection
    }

    private var capacity: Int { self.settings.pipelineDepthMax }

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
        guard open <= self.settings.connectionsMax else {
            self.logger.info("refused: too many connections", metadata: ["open": "\(open)"])
            self.ending = true
            self.slots.append(.reply(.error(.busy, "too many connections"), .none, nil))
            self.slots.append(.close)
            self.flush()
            return
        }
        if self.server.isDraining { self.drain() }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let open = self.dispatcher.connections.wrappingSubtract(1, ordering: .relaxed).newValue
        self.dispatcher.metrics.connections.record(open)
        self.logger.debug("disconnected")
        self.closed = true
        self.closer?.cancel()
        self.subscription?.cancel()
        self.roomWaiter?.resume(returning: false)
        self.roomWaiter = nil
        self.inputs.removeAll()
        self.slots.removeAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.ending else { return }
        for line in self.unwrapInboundIn(data) { self.inputs.append(.line(line)) }
        self.pass()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            self.inputClosed = true
            self.pass()
        case is SeatServer.Drain:
            self.drain()
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is ByteToMessageDecoderError.PayloadTooLargeError {
            self.inputs.append(.tooLong)
            self.pass()
        } else {
            // A reset or a failed socket: nothing more can be answered.
            context.close(promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.pass()
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if self.holdsReads { self.heldRead = true } else { context.read() }
    }

    /// Reading waits while requests wait (backpressure, or a request that suspends), or the socket is backed up.
    private var holdsReads: Bool {
        !self.inputs.isEmpty || self.slots.count >= self.capacity || !(self.context?.channel.isWritable ?? true)
    }

    /// Shutting down: stop reading; what was read is still answered, then the connection closes, at the latest
    /// when the drain ends (whatever it is waiting for then: a slow reader, a client that does not close its side
    /// after QUIT).
    private func drain() {
        guard let context, !self.draining else { return }
        self.draining = true
        self.server.beginDrain()
        self.inputClosed = true
        context.close(mode: .input, promise: nil)
        self.scheduleCloser()
        self.pass()
    }

    // MARK: Executing

    /// Executes what can be executed, sends what is durable, and reads on when there is room.
    private func pass() {
        guard !self.closed, let context else { return }
        guard !self.passing else {
            // Called back from inside a pass (a write that changed writability): go round once more.
            self.passAgain = true
            return
        }
        self.passing = true
        defer { self.passing = false }
        repeat {
            self.passAgain = false
            while self.mayExecute(context), let input = self.inputs.popFirst() {
                switch input {
                case .line(let line): self.execute(line, on: context.eventLoop)
                case .tooLong: self.tooLong()
                }
            }
            if self.ending { self.inputs.removeAll() }
            self.sendRemote(from: context.eventLoop)
            self.startDeferred()
            self.flush()
            // Writing made room for lines still waiting: execute them too.
            if !self.inputs.isEmpty, self.mayExecute(context) { self.passAgain = true }
        } while self.passAgain
        if let waiter = self.roomWaiter, self.slots.count < self.capacity, context.channel.isWritable {
            self.roomWaiter = nil
            waiter.resume(returning: true)
        }
        if self.heldRead, !self.holdsReads, !self.inputClosed {
            self.heldRead = false
            context.read()
        }
        self.finishIfDone()
    }

    private func mayExecute(_ context: ChannelHandlerContext) -> Bool {
        !self.ending && self.deferred == nil && self.slots.count < self.capacity && context.channel.isWritable
    }

    /// Parses and executes one line, queueing its reply. A watching connection takes only PING and QUIT: any other
    /// line, a known verb or not, is BAD_REQUEST there.
    private func execute(_ line: ByteBuffer, on loop: any EventLoop) {
        guard line.readableBytes <= self.settings.lineBytesMax else { return self.tooLong() }
        let started = DispatchTime.now().uptimeNanoseconds
        let text = String(buffer: line)
        guard let parsed = Request.parse(text[...]) else { return }
        let watching = self.watching
        let request: Request
        switch parsed {
        case .failure(let error):
            let reply = watching ? Self.watchingOnly : Response.error(error.code.code, error.message)
            self.slots.append(.reply(reply, .none, Timing(command: .invalid, startedNs: started)))
            return
        case .success(let value): request = value
        }
        let timing = Timing(command: request.command, startedNs: started)
        if watching, request != .ping, request != .quit {
            self.slots.append(.reply(Self.watchingOnly, .none, timing))
            return
        }
        switch self.dispatcher.begin(request, state: &self.state) {
        case .done(.reply(let response, let token)):
            self.slots.append(.reply(response, token, timing))
        case .done(.quit):
            self.slots.append(.reply(.line("OK BYE"), .none, timing))
            self.slots.append(.close)
            self.ending = true
        case .done(.watch(let session, let from)):
            self.defer(.watch(session: session, from: from), timing: timing)
        case .suspending(let request):
            self.defer(.suspending(request), timing: timing)
        case .session(let request, let session, let epoch):
            if let home = self.home, session.executor === home {
                let dispatcher = self.dispatcher
                let outcome = session.assumeIsolated { dispatcher.run(request, in: $0, epoch: epoch) }
                self.slots.append(.reply(outcome.response, outcome.token, timing))
            } else {
                let slot = self.firstSlot + self.slots.count
                self.slots.append(.pending)
                self.outstanding += 1
                let item = (slot: slot, request: request, session: session, epoch: epoch, timing: timing)
                if let index = self.remote.firstIndex(where: { $0.executor === session.executor }) {
                    self.remote[index].items.append(item)
                } else {
                    self.remote.append(RemoteBatch(executor: session.executor, items: [item]))
                }
            }
        }
    }

    private func `defer`(_ request: Deferred, timing: Timing) {
        self.deferred = (request, self.firstSlot + self.slots.count, timing, false)
        self.slots.append(.pending)
        self.outstanding += 1
    }

    /// Sends each other loop its batch; the answers come back as one batch.
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
                    (item.slot, item.session.assumeIsolated { dispatcher.run(item.request, in: $0, epoch: item.epoch) },
                     item.timing)
                }
                loop.execute {
                    let handler = handler.value
                    for (slot, answer, timing) in answers { handler.fill(slot, .reply(answer.response, answer.token, timing)) }
                    handler.pass()
                }
            }
        }
    }

    /// Starts the deferred request's task once it is the only request still undecided.
    private func startDeferred() {
        guard let context, let deferred, !deferred.started, self.outstanding == 1 else { return }
        self.deferred!.started = true
        let dispatcher = self.dispatcher
        let bufferMax = self.settings.watchEventsMax
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let (slot, timing) = (deferred.slot, deferred.timing)
        switch deferred.request {
        case .suspending(let request):
            Task {
                let answer = await dispatcher.finish(request)
                loop.execute {
                    handler.value.fill(slot, .reply(answer.response, answer.token, timing))
                    handler.value.deferred = nil
                    handler.value.pass()
                }
            }
        case .watch(let session, let from):
            Task {
                let start = await dispatcher.watch(session: session, from: from, bufferMax: bufferMax)
                loop.execute { handler.value.started(start, session: session, from: from, slot: slot, timing: timing) }
            }
        }
    }

    private func fill(_ slot: Int, _ value: Slot) {
        guard !self.closed else { return }
        self.slots[slot - self.firstSlot] = value
        self.outstanding -= 1
    }

    private func tooLong() {
        self.logger.debug("line too long")
        self.slots.append(.reply(.error(.lineTooLong, "a line may have at most \(self.settings.lineBytesMax) bytes"), .none,
                                 Timing(command: .invalid, startedNs: DispatchTime.now().uptimeNanoseconds)))
        self.slots.append(.close)
        self.ending = true
    }

    private static let watchingOnly = Response.error(.badRequest, "a watching connection only takes PING and QUIT")

    // MARK: Writing

    /// Writes the leading replies whose changes are durable (or lost: those become `ERR UNAVAILABLE`) in one
    /// buffer with one flush; if the next one waits for the log, registers one callback for it.
    private func flush() {
        guard let context, !self.closing, !self.slots.isEmpty else { return }
        let metrics = self.dispatcher.metrics
        // The newest durable point learnt in this pass: a reply of that generation at or below it needs no lookup.
        var known = CommitToken.none
        if let last = self.lastReadyToken(), case .durable = self.dispatcher.service.durability(of: last) { known = last }
        var buffer: ByteBuffer? = nil
        var close = false
        loop: while let slot = self.slots.first {
            let response: Response
            switch slot {
            case .pending:
                break loop
            case .close:
                close = true
                self.slots.removeAll()
                break loop
            case .reply(let answer, let token, _), .event(let answer, let token):
                var lost: SeatError? = nil
                if token.lsn > 0, !(token.epoch == known.epoch && token.lsn <= known.lsn) {
                    switch self.dispatcher.service.durability(of: token) {
                    case .durable:
                        known = token
                    case .lost(let error):
                        lost = error
                    case .waiting(let ticket):
                        self.awaitDurable(ticket, on: context.eventLoop)
                        break loop
                    }
                }
                response = lost.map(Response.failure) ?? answer
                if case .reply(_, _, let timing?) = slot {
                    metrics.record(timing.command, response,
                                   nanoseconds: DispatchTime.now().uptimeNanoseconds &- timing.startedNs)
                } else if case .event = slot, lost != nil {
                    close = true
                }
            }
            self.slots.removeFirst()
            self.firstSlot += 1
            if buffer == nil { buffer = context.channel.allocator.buffer(capacity: 64 * (self.slots.count + 1)) }
            buffer!.writeString(self.dispatcher.render(response))
            buffer!.writeInteger(UInt8(ascii: "\n"))
            if close {
                self.slots.removeAll()
                break loop
            }
        }
        if let buffer {
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(self.wrapOutboundOut(buffer), promise: promise)
            self.lastWrite = promise.futureResult
        }
        if close {
            self.ending = true
            self.halfClose()
        }
    }

    /// The token of the last reply of the leading run that is decided: if it is durable, so is every reply of its
    /// generation before it.
    private func lastReadyToken() -> CommitToken? {
        var last: CommitToken? = nil
        for slot in self.slots {
            switch slot {
            case .reply(_, let token, _), .event(_, let token):
                if token.lsn > 0 { last = token }
            case .pending, .close:
                return last
            }
        }
        return last
    }

    /// Registers one callback for the change `ticket` waits for to be decided; the next pass asks
    /// `durability(of:)` again, which then says durable or lost.
    private func awaitDurable(_ ticket: DurabilityTicket, on loop: any EventLoop) {
        guard !self.awaitingDurable else { return }
        self.awaitingDurable = true
        let handler = NIOLoopBound(self, eventLoop: loop)
        ticket.whenDecided {
            loop.execute {
                handler.value.awaitingDurable = false
                handler.value.pass()
            }
        }
    }

    // MARK: Closing

    /// Closes once nothing is left to do after EOF or a drain.
    private func finishIfDone() {
        guard let context, self.inputClosed, !self.closing, self.inputs.isEmpty, self.outstanding == 0 else { return }
        // EOF or the drain, with every line read executed: a watcher's stream ends here too.
        if let subscription {
            subscription.cancel()
            self.subscription = nil
        }
        guard self.slots.isEmpty else { return }
        if self.draining {
            self.halfClose()
        } else {
            let channel = context.channel
            if let lastWrite { lastWrite.whenComplete { _ in channel.close(promise: nil) } } else {
                context.close(promise: nil)
            }
        }
    }

    /// Half-closes after the last reply, so a FIN follows it, and keeps the socket until the client has read to the
    /// end and closed its side, or the grace runs out. Closing it at once would leave unsent bytes in an orphaned
    /// kernel socket, which Linux may reset before a slow reader gets them: the last reply would arrive cut.
    private func halfClose() {
        guard let context, !self.closing else { return }
        self.closing = true
        self.subscription?.cancel()
        self.roomWaiter?.resume(returning: false)
        self.roomWaiter = nil
        self.scheduleCloser()
        let channel = context.channel
        let close = { channel.close(mode: .output, promise: nil) }
        if let lastWrite { lastWrite.whenComplete { _ in close() } } else { close() }
        // Reads go on, so that the client's close is seen.
        if self.heldRead {
            self.heldRead = false
            context.read()
        }
    }

    private func scheduleCloser() {
        guard let context else { return }
        self.closer?.cancel()
        let channel = context.channel
        self.closer = context.eventLoop.scheduleTask(in: self.server.closeGrace) { channel.close(promise: nil) }
    }

    // MARK: Watching

    /// The WATCH's start decided: `OK` and the stream, or the refusal.
    private func started(_ start: Dispatcher.WatchStart, session: String?, from: LSN?, slot: Int, timing: Timing) {
        self.deferred = nil
        switch start {
        case .refused(let response, let token):
            self.fill(slot, .reply(response, token, timing))
        case .watching(let watch):
            guard !self.closed, !self.closing else {
                watch.events.cancel()
                return
            }
            self.fill(slot, .reply(.line("OK"), .none, timing))
            self.subscription = watch.events
            self.watching = true
            self.logger.debug("watching", metadata: ["session": "\(session ?? "*")", "from": "\(from ?? 0)"])
            let outlet = WatchOutlet(handler: NIOLoopBound(self, eventLoop: self.context!.eventLoop))
            Self.startStream(watch, into: outlet, logger: self.logger)
        }
        self.pass()
    }

    /// Queues events (or the line that ends the stream, and the close) for the watcher; returns once there is room
    /// for more, or false once the connection is closing.
    private func enqueue(_ items: [Slot], resume: CheckedContinuation<Bool, Never>) {
        guard !self.closed, !self.closing, !self.ending else { return resume.resume(returning: false) }
        self.slots.append(contentsOf: items)
        if items.contains(where: { if case .close = $0 { true } else { false } }) {
            self.subscription = nil
            self.ending = true
        }
        self.roomWaiter = resume
        self.pass()
    }

    /// Where the stream task hands a watcher's events to the connection.
    private struct WatchOutlet: Sendable {
        let handler: NIOLoopBound<ConnectionHandler>

        /// False once the connection takes no more.
        func put(_ items: [Slot]) async -> Bool {
            await withCheckedContinuation { continuation in
                self.handler.eventLoop.execute { self.handler.value.enqueue(items, resume: continuation) }
            }
        }
    }

    private static func startStream(_ watch: Dispatcher.Watch, into outlet: WatchOutlet, logger: Logger) {
        Task { await Self.stream(watch, into: outlet, logger: logger) }
    }

    /// Forwards events to a watching connection: first those `history` reads (WATCH `from=`), then the live ones.
    /// A subscriber that fell behind gets `ERR BUSY` and is closed; one whose history was trimmed while it was read
    /// gets `ERR TRIMMED`; when the log fails, `ERR UNAVAILABLE`. Each then resumes with `from=`.
    private static func stream(_ watch: Dispatcher.Watch, into outlet: WatchOutlet, logger: Logger) async {
        let subscription = watch.events
        defer { subscription.cancel() }
        if var history = watch.history {
            while true {
                let page = await history.next(max: 256)
                if let oldest = history.gaps.map(\.oldest).max() {
                    _ = await outlet.put([.reply(.error(.trimmed, "\(oldest)"), .none, nil), .close])
                    return
                }
                if page.isEmpty { break }
                let epoch = watch.epoch
                guard await outlet.put(page.map { .event(.line(Reply.event($0)), CommitToken(epoch: epoch, lsn: $0.seq)) })
                else { return }
            }
        }
        for await event in subscription.events {
            guard await outlet.put([.event(.line(Reply.event(event)), CommitToken(epoch: event.epoch, lsn: event.seq))])
            else { return }
        }
        if let failure = subscription.failed {
            logger.info("watcher closed: the log failed")
            _ = await outlet.put([.reply(.error(.unavailable, failure), .none, nil), .close])
        } else if subscription.overflowed {
            logger.info("watcher cut off: events were not read fast enough")
            _ = await outlet.put([.reply(.error(.busy, "events were not read fast enough"), .none, nil), .close])
        }
    }
}
