import NIOCore
import SeatActors

/// One client connection. The reader parses and executes requests in order and queues (reply, LSN) pairs; the
/// writer takes every queued reply, waits once for the log to be durable through them (group commit across
/// requests), and writes them with one flush. Replies are therefore in request order by construction.
struct Connection {
    let server: SeatServer

    var dispatcher: Dispatcher { self.server.dispatcher }

    func run(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let open = self.dispatcher.connections.wrappingAdd(1, ordering: .relaxed).newValue
        defer { self.dispatcher.connections.subtract(1, ordering: .relaxed) }
        do {
            try await channel.executeThenClose { inbound, outbound in
                guard open <= self.server.settings.connectionsMax else {
                    try await outbound.write(ByteBuffer(string: Reply.error(.busy, "too many connections") + "\n"))
                    return
                }
                let replies = ReplyQueue(capacity: self.server.settings.pipelineDepthMax)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.write(replies, to: outbound) }
                    await self.read(inbound, into: replies, group: &group)
                    replies.finish()
                    try await group.waitForAll()
                }
            }
        } catch {
            // The client went away or the channel failed: nothing to answer.
        }
    }

    /// Reads and executes requests until QUIT, EOF, an error or a line that is too long.
    private func read(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, into replies: ReplyQueue,
        group: inout ThrowingTaskGroup<Void, any Error>
    ) async {
        var state = self.dispatcher.newConnection
        var watching = false
        do {
            for try await var buffer in inbound {
                guard buffer.readableBytes <= self.server.settings.lineBytesMax else {
                    await self.tooLong(replies)
                    return
                }
                let line = buffer.readString(length: buffer.readableBytes) ?? ""
                guard let parsed = Request.parse(line[...]) else { continue }
                let request: Request
                switch parsed {
                case .failure(let error):
                    await replies.put(.line(Reply.error(error.code.code, error.message), lsn: 0))
                    continue
                case .success(let value): request = value
                }
                if watching, request != .ping, request != .quit {
                    await replies.put(.line(Reply.error(.badRequest, "a watching connection only takes PING and QUIT"), lsn: 0))
                    continue
                }
                switch await self.dispatcher.execute(request, state: &state) {
                case .reply(let text, let lsn):
                    await replies.put(.line(text, lsn: lsn))
                case .quit:
                    await replies.put(.line("OK BYE", lsn: 0))
                    await replies.put(.close)
                    return
                case .watch(let session):
                    await replies.put(.line("OK", lsn: 0))
                    watching = true
                    let subscription = self.dispatcher.service.registry.hub.subscribe(
                        session: session, bufferMax: self.server.settings.watchEventsMax)
                    group.addTask { await Self.stream(subscription, into: replies) }
                }
            }
        } catch is ByteToMessageDecoderError.PayloadTooLargeError {
            await self.tooLong(replies)
        } catch {
            // EOF with a partial line, or a reset: stop reading; queued replies still go out.
        }
    }

    private func tooLong(_ replies: ReplyQueue) async {
        await replies.put(.line(Reply.error(.lineTooLong, "a line may have at most \(self.server.settings.lineBytesMax) bytes"), lsn: 0))
        await replies.put(.close)
    }

    /// Forwards events to a watching connection; a subscriber that fell behind gets `ERR BUSY` and is closed.
    private static func stream(_ subscription: EventSubscription, into replies: ReplyQueue) async {
        for await event in subscription.events {
            await replies.put(.line(Reply.event(event), lsn: event.seq))
        }
        if subscription.overflowed {
            await replies.put(.line(Reply.error(.busy, "events were not read fast enough"), lsn: 0))
            await replies.put(.close)
        }
    }

    /// Writes queued replies, each batch once the log is durable through it, with one flush per batch.
    private func write(_ replies: ReplyQueue, to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        while let batch = await replies.takeAll() {
            var buffers: [ByteBuffer] = []
            var closing = false
            for item in batch {
                switch item {
                case .line(let text, let lsn):
                    buffers.append(ByteBuffer(string: await self.dispatcher.settle(text, lsn: lsn) + "\n"))
                case .close:
                    closing = true
                }
                if closing { break }
            }
            try await outbound.write(contentsOf: buffers)
            if closing {
                outbound.finish()
                replies.finish()
                throw CancellationError()
            }
        }
    }
}
