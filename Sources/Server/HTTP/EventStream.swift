import Hummingbird
import NATS
import NIOCore
import SeatActors
import Store
import Synchronization

/// One `GET /sessions/<id>/events`: the session's changes as Server-Sent Events (`docs/http.md`). Each is
/// `id: <seq>` and `data: <json>` (the NATS payload's fields), sent once the change is durable. It starts with the
/// retained history from `from` when asked (as `WATCH from=`), then follows the live changes through a sink of
/// the event hub, a batch per write (about 4 a second at most: a stream lingers 250 ms after an event for more).
/// A history that no longer reaches back to `from` is `event: trimmed` with the
/// oldest retained seq, and the stream ends. A stream that falls behind is cut (its connection closed) like a slow
/// watcher; a comment line every 15 s keeps an idle one open through proxies.
struct EventStream: Sendable {
    let backend: HTTPState.Backend
    let session: String
    /// The first seq to send; nil: only what changes from now on.
    let from: LSN?
    let channel: any Channel
    let bufferMax: Int

    /// How long a stream waits after an event for more, to send them in one write.
    static let lingerMs = 250

    /// The response body. `release` runs once the stream ends (it frees the stream's place under the limit).
    func body(release: @escaping @Sendable () -> Void) -> ResponseBody {
        ResponseBody { writer in
            defer { release() }
            try await self.run(&writer)
        }
    }

    private func run(_ writer: inout any ResponseBodyWriter) async throws {
        let service = self.backend.service
        let registry = service.registry
        let (sink, through) = registry.log.withAppendsHeld { last in
            (registry.hub.sink(session: self.session, after: last, bufferMax: self.bufferMax), last)
        }
        defer { sink.cancel() }
        // The first bytes: the browser's fetch resolves once the head and a chunk are out.
        try await writer.write(ByteBuffer(string: ": seatd events of \(self.session)\n\n"))
        if let from = self.from, let session = registry.session(self.session) {
            var history = HistoryReader(sessions: [session], from: from, through: through)
            _ = await history.start()
            while true {
                // Checked before each page is sent: a page read past a gap must not go out.
                let page = history.gaps.isEmpty ? await history.next(max: 256) : []
                if let oldest = history.gaps.map(\.oldest).max() {
                    try await writer.write(ByteBuffer(string: "event: trimmed\ndata: \(oldest)\n\n"))
                    return try await writer.finish(nil)
                }
                guard let last = page.last else { break }
                try await service.durable(registry.log.token(through: last.seq))
                try await writer.write(Self.frames(page))
            }
        }
        let watchdog = self.watch(sink)
        defer { watchdog.cancel() }
        while var batch = await sink.takeAll() {
            if batch.isEmpty {
                try await writer.write(ByteBuffer(staticString: ": ping\n\n"))
                continue
            }
            // Linger for more: a busy session's stream then costs a few writes a second, not one per group commit
            // (a seat map drawn 4 times a second is live enough).
            try? await Task.sleep(for: .milliseconds(Self.lingerMs))
            batch += sink.takeNow()
            let last = batch[batch.count - 1]
            try await service.durable(CommitToken(epoch: last.epoch, lsn: last.seq))
            try await writer.write(Self.frames(batch))
        }
        // The sink ended: the log failed, or the reader fell behind; either way the client resumes from its last
        // seq (`Last-Event-ID`).
        try await writer.finish(nil)
    }

    /// A task that asks for a heartbeat every 15 s, closes the connection once the sink was cut off for falling
    /// behind (the stream may be stuck in a write to a reader that reads nothing), and ends the stream once the
    /// client is gone.
    private func watch(_ sink: EventSink) -> Task<Void, Never> {
        let channel = self.channel
        return Task {
            var seconds = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                seconds += 1
                if sink.overflowed {
                    channel.close(promise: nil)
                    return
                }
                // A client that went away frees its place under http.max_streams now, not at the next write.
                if await ClientGoneTap.isGone(channel) {
                    sink.cancel()
                    return
                }
                if seconds % HTTPSettings.heartbeatSeconds == 0 { sink.nudge() }
            }
        }
    }

    /// `id: <seq>\ndata: <json>\n\n` per event.
    static func frames(_ events: [some OutgoingEvent]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(events.count * 160)
        for event in events {
            buffer.writeStaticString("id: ")
            ASCIIDecimal.write(event.seq, to: &buffer)
            buffer.writeStaticString("\ndata: ")
            event.writeJSON(into: &buffer)
            buffer.writeStaticString("\n\n")
        }
        return buffer
    }
}
