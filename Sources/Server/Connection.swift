import Dispatch
import Logging
import NIOCore
import SeatActors
import ServiceLifecycle
import WAL

/// One client connection. The reader executes every line of a read in order and queues their replies with their
/// commit tokens together; the writer takes every queued reply, waits once for the log to be durable through them
/// (group commit across requests), and writes them in one buffer with one flush. Replies are therefore in request order by construction.
struct Connection {
    let server: SeatServer

    var dispatcher: Dispatcher { self.server.dispatcher }
    var settings: ServerSettings { self.server.settings }

    func run(_ channel: NIOAsyncChannel<[ByteBuffer], ByteBuffer>) async {
        let open = self.dispatcher.connections.wrappingAdd(1, ordering: .relaxed).newValue
        self.dispatcher.metrics.connections.record(open)
        defer {
            let open = self.dispatcher.connections.wrappingSubtract(1, ordering: .relaxed).newValue
            self.dispatcher.metrics.connections.record(open)
        }
        var logger = self.server.logger
        logger[metadataKey: "connection"] = "\(channel.channel.remoteAddress?.description ?? "?")"
        logger.debug("connected")
        defer { logger.debug("disconnected") }
        do {
            try await channel.executeThenClose { inbound, outbound in
                guard open <= self.settings.connectionsMax else {
                    logger.info("refused: too many connections", metadata: ["open": "\(open)"])
                    try await outbound.write(ByteBuffer(string: Reply.error(.busy, "too many connections") + "\n"))
                    return
                }
                let replies = ReplyQueue(capacity: self.settings.pipelineDepthMax)
                // Shutting down: stop reading; what was read is still answered, then the connection closes, at the
                // latest when the drain ends (whatever it is waiting for then: a slow reader, a client that does not
                // close its side after QUIT).
                try await withGracefulShutdownHandler {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await self.write(replies, to: channel.channel) }
                        let subscription = await self.read(inbound, into: replies, group: &group, logger: logger)
                        subscription?.cancel()
                        replies.finish()
                        try await group.waitForAll()
                    }
                } onGracefulShutdown: {
                    self.server.beginDrain()
                    channel.channel.close(mode: .input, promise: nil)
                    let channel = channel.channel
                    channel.eventLoop.scheduleTask(in: self.server.closeGrace) { channel.close(promise: nil) }
                }
            }
        } catch {
            // The client went away or the channel failed: nothing to answer.
        }
    }

    /// What one line leads to.
    private enum LineOutcome {
        /// Go on with the next line (its reply, if it has one, is in `out`).
        case next
        /// `OK BYE` was queued: close after it.
        case quit
        /// WATCH: answer it, then stream the session's events (nil: all), from `from` when given.
        case watch(session: String?, from: LSN?, timing: ReplyQueue.Timing)
        /// Longer than the limit: `ERR LINE_TOO_LONG`, then close.
        case tooLong
    }

    /// Reads and executes requests until QUIT, EOF, an error or a line that is too long. Every line of one read is
    /// executed before their replies are queued together (at most the queue's capacity at a time). Returns the
    /// WATCH subscription, if the connection made one, for the caller to end.
    private func read(
        _ inbound: NIOAsyncChannelInboundStream<[ByteBuffer]>, into replies: ReplyQueue,
        group: inout ThrowingTaskGroup<Void, any Error>, logger: Logger
    ) async -> EventSubscription? {
        var state = self.dispatcher.newConnection
        var subscription: EventSubscription? = nil
        var out: [ReplyQueue.Item] = []
        do {
            for try await lines in inbound {
                for line in lines {
                    switch await self.execute(line, state: &state, watching: subscription != nil, into: &out) {
                    case .next:
                        if out.count >= replies.capacity { await replies.put(contentsOf: out); out.removeAll() }
                    case .quit:
                        await replies.put(contentsOf: out + [.close])
                        return subscription
                    case .tooLong:
                        await replies.put(contentsOf: out)
                        await self.tooLong(replies, logger: logger)
                        return subscription
                    case .watch(let session, let from, let timing):
                        guard let watch = await self.subscribe(session, from: from, timing: timing, into: &out)
                        else { continue }
                        // `OK` goes out before the first event.
                        await replies.put(contentsOf: out)
                        out.removeAll()
                        subscription = watch.events
                        logger.debug("watching", metadata: ["session": "\(session ?? "*")", "from": "\(from ?? 0)"])
                        group.addTask {
                            await Self.stream(watch.events, history: watch.history, epoch: watch.epoch, into: replies,
                                              logger: logger)
                        }
                    }
                }
                await replies.put(contentsOf: out)
                out.removeAll(keepingCapacity: true)
            }
        } catch is ByteToMessageDecoderError.PayloadTooLargeError {
            await replies.put(contentsOf: out)
            await self.tooLong(replies, logger: logger)
        } catch {
            // EOF with a partial line, or a reset: stop reading; queued replies still go out.
            await replies.put(contentsOf: out)
        }
        return subscription
    }

    /// Parses and executes one line, appending its reply to `out`. A watching connection takes only PING and QUIT:
    /// any other line, a known verb or not, is BAD_REQUEST there.
    private func execute(
        _ line: ByteBuffer, state: inout Dispatcher.ConnectionState, watching: Bool, into out: inout [ReplyQueue.Item]
    ) async -> LineOutcome {
        guard line.readableBytes <= self.settings.lineBytesMax else { return .tooLong }
        let started = DispatchTime.now().uptimeNanoseconds
        let text = String(buffer: line)
        guard let parsed = Request.parse(text[...]) else { return .next }
        let request: Request
        switch parsed {
        case .failure(let error):
            let reply = watching ? Self.watchingOnly : Response.error(error.code.code, error.message)
            out.append(.now(reply, timing: .init(command: .invalid, startedNs: started)))
            return .next
        case .success(let value): request = value
        }
        let timing = ReplyQueue.Timing(command: request.command, startedNs: started)
        if watching, request != .ping, request != .quit {
            out.append(.now(Self.watchingOnly, timing: timing))
            return .next
        }
        switch await self.dispatcher.execute(request, state: &state) {
        case .reply(let response, let token):
            out.append(.reply(response, token, timing: timing))
            return .next
        case .quit:
            out.append(.now(.line("OK BYE"), timing: timing))
            return .quit
        case .watch(let session, let from):
            return .watch(session: session, from: from, timing: timing)
        }
    }

    /// Starts a watcher (`Dispatcher.watch`): appends `OK`, or the refusal (`ERR TRIMMED`) and returns nil.
    private func subscribe(
        _ session: String?, from: LSN?, timing: ReplyQueue.Timing, into out: inout [ReplyQueue.Item]
    ) async -> Dispatcher.Watch? {
        switch await self.dispatcher.watch(session: session, from: from, bufferMax: self.settings.watchEventsMax) {
        case .refused(let response, let token):
            out.append(.reply(response, token, timing: timing))
            return nil
        case .watching(let watch):
            out.append(.now(.line("OK"), timing: timing))
            return watch
        }
    }

    private static let watchingOnly = Response.error(.badRequest, "a watching connection only takes PING and QUIT")

    private func tooLong(_ replies: ReplyQueue, logger: Logger) async {
        logger.debug("line too long")
        await replies.put(.now(.error(.lineTooLong, "a line may have at most \(self.settings.lineBytesMax) bytes"),
                               timing: .init(command: .invalid, startedNs: DispatchTime.now().uptimeNanoseconds)))
        await replies.put(.close)
    }

    /// Forwards events to a watching connection: first those `history` reads (WATCH `from=`), then the live ones.
    /// A subscriber that fell behind gets `ERR BUSY` and is closed; one whose history was trimmed while it was read
    /// gets `ERR TRIMMED`; when the log fails, `ERR UNAVAILABLE`. Each then resumes with `from=`.
    private static func stream(
        _ subscription: EventSubscription, history: HistoryReader?, epoch: Int, into replies: ReplyQueue, logger: Logger
    ) async {
        if var history {
            while true {
                let page = await history.next(max: 256)
                if let oldest = history.gaps.map(\.oldest).max() {
                    await replies.put(.now(.error(.trimmed, "\(oldest)")))
                    await replies.put(.close)
                    return
                }
                if page.isEmpty { break }
                await replies.put(contentsOf: page.map {
                    .event(.line(Reply.event($0)), CommitToken(epoch: epoch, lsn: $0.seq))
                })
            }
        }
        for await event in subscription.events {
            await replies.put(.event(.line(Reply.event(event)), CommitToken(epoch: event.epoch, lsn: event.seq)))
        }
        if let failure = subscription.failed {
            logger.info("watcher closed: the log failed")
            await replies.put(.now(.error(.unavailable, failure)))
            await replies.put(.close)
        } else if subscription.overflowed {
            logger.info("watcher cut off: events were not read fast enough")
            await replies.put(.now(.error(.busy, "events were not read fast enough")))
            await replies.put(.close)
        }
    }

    /// Writes queued replies, each batch once the log is durable through it, with one flush per batch. When the
    /// replies end (QUIT, a line too long, a watcher cut off, EOF, shutdown) it waits for the last batch to reach the
    /// socket, so closing never drops replies NIO still holds, and on a close or a shutdown half-closes and waits for
    /// the client to close: each wait at most the close grace (while shutting down, what is left of the drain).
    private func write(_ replies: ReplyQueue, to channel: any Channel) async throws {
        let metrics = self.dispatcher.metrics
        var closing = false
        var lastWritten: EventLoopFuture<Void>? = nil
        while !closing, let batch = await replies.takeAll() {
            // One wait for the whole batch (of one log generation); only if the log failed, or the batch spans a
            // failure, is each reply settled on its own.
            var through = LSN(0)
            var epoch: Int? = nil
            var oneEpoch = true
            for case let token? in batch.lazy.map(\.token) where token.lsn > 0 {
                through = max(through, token.lsn)
                if epoch == nil { epoch = token.epoch } else if epoch != token.epoch { oneEpoch = false }
            }
            let durable = oneEpoch
                ? await self.dispatcher.failure(awaiting: CommitToken(epoch: epoch ?? 0, lsn: through)) == nil : false
            // Every reply of the batch in one buffer: one write and one flush.
            var buffer = channel.allocator.buffer(capacity: 64 * batch.count)
            var replied = 0
            for item in batch {
                switch item {
                case .reply(let response, let token, let timing):
                    let settled = durable ? response : await self.dispatcher.settle(response, token)
                    buffer.writeString(self.dispatcher.render(settled))
                    buffer.writeInteger(UInt8(ascii: "\n"))
                    replied += 1
                    if let timing {
                        metrics.record(timing.command, settled,
                                       nanoseconds: DispatchTime.now().uptimeNanoseconds &- timing.startedNs)
                    }
                case .event(let response, let token):
                    let lost = durable ? nil : await self.dispatcher.failure(awaiting: token)
                    buffer.writeString(self.dispatcher.render(lost ?? response))
                    buffer.writeInteger(UInt8(ascii: "\n"))
                    replied += 1
                    if lost != nil { closing = true }
                case .close:
                    closing = true
                }
                if closing { break }
            }
            guard replied > 0 else { continue }
            // Straight to the channel (the task runs on its event loop), and a future that completes once the batch
            // is on the wire. Waiting on it while the socket is backed up is the backpressure.
            let promise = channel.eventLoop.makePromise(of: Void.self)
            channel.writeAndFlush(buffer, promise: promise)
            lastWritten = promise.futureResult
            if !closing, !channel.isWritable { try await promise.futureResult.get() }
        }
        let draining = self.server.isDraining
        let closer = channel.eventLoop.scheduleTask(in: self.server.closeGrace) { channel.close(promise: nil) }
        defer { closer.cancel() }
        try? await lastWritten?.get()
        guard closing || draining else { return }
        // Half-close, so a FIN follows the last reply, and keep the socket until the client has read to the end and
        // closed its side (the reader then ends too), or the grace runs out. Closing it at once would leave unsent
        // bytes in an orphaned kernel socket, which Linux may reset before a slow reader gets them: the last reply
        // would arrive cut.
        replies.finish()
        channel.close(mode: .output, promise: nil)
        try? await channel.closeFuture.get()
        throw CancellationError()
    }
}
