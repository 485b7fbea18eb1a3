import DequeModule
import Dispatch
import NATS
import NIOCore
import SeatActors
import Synchronization

/// The publishes in flight, in seq order, and how each is confirmed. Acknowledgements complete on the
/// connection's event loop; the acknowledged position only moves past a seq once everything before it is
/// acknowledged too.
///
/// Two ways to confirm, chosen per group of messages (`checksByStreamSeq`):
/// - **each message acknowledged**: every publish carries a reply inbox. Used when a connection starts, because
///   what it sends first may be in the stream already (a resend after a reconnect or a restart; JetStream answers
///   those `"duplicate":true`).
/// - **a group checked by the stream's sequence**: only the group's last message carries a reply inbox. JetStream
///   stores one stream's messages in the order they arrive on a connection, so when the last one's ack says the
///   stream's sequence is exactly the previous one plus the group's size, and no duplicate, every message of the
///   group was stored, once. Anything else (a duplicate, a message refused, another publisher on the stream) fails
///   the connection, and the next one resends from the acknowledged position with each message acknowledged. Used
///   once an ack of a new message (not a duplicate) has given the stream's sequence. It saves JetStream an ack and
///   seatd a future per message.
final class AckTracker: Sendable {
    /// An event sent: its seq, and its session (to count what a trimmed history lost).
    typealias Sent = (seq: LSN, session: String)

    /// An acknowledgement: the stream's sequence and whether JetStream called the message a duplicate.
    typealias Ack = (streamSeq: UInt64, duplicate: Bool)

    /// The events one reply confirms.
    private struct Entry {
        /// The events, oldest first.
        var events: [Sent]
        /// The last event's seq: the entry's id.
        var last: LSN
        /// True for a group checked by the stream's sequence.
        var grouped: Bool
        /// The ack, once it came.
        var ack: Ack?
    }

    /// Everything in flight, under one lock.
    private struct State {
        var entries: Deque<Entry> = []
        /// Events sent and not yet confirmed.
        var inFlight = 0
        /// The stream's sequence after the last confirmed message, once known.
        var streamSeq: UInt64?
        /// The first failure; the connection is done once there is one.
        var failure: NATSPublishError?
        /// A sender waiting for fewer than `limit` events in flight.
        var waiter: (limit: Int, continuation: CheckedContinuation<Void, Never>)?

        /// Confirms the acknowledged entries at the front, in order: returns their events, and the failure when a
        /// group's ack does not check out (the group then stays).
        mutating func confirmFront() -> (passed: [Sent], failure: NATSPublishError?) {
            var passed: [Sent] = []
            while let first = self.entries.first, let ack = first.ack {
                if first.grouped {
                    let expected = self.streamSeq.map { $0 + UInt64(first.events.count) }
                    guard let expected, !ack.duplicate, ack.streamSeq == expected else {
                        return (
                            passed,
                            .refused(
                                "a group of \(first.events.count) did not land as expected (stream "
                                    + "sequence \(ack.streamSeq), expected \(expected ?? 0))")
                        )
                    }
                    self.streamSeq = ack.streamSeq
                } else if !ack.duplicate {
                    // A new message: from here on the stream's sequence is known, and groups can be checked by it.
                    self.streamSeq = ack.streamSeq
                }
                passed += first.events
                self.inFlight -= first.events.count
                self.entries.removeFirst()
            }
            return (passed, nil)
        }
    }

    private let state = Mutex(State())
    /// Called with the events the acknowledged position moved past, in order (never none).
    private let passed: @Sendable ([Sent]) -> Void
    private let metrics: PublisherMetrics

    /// A tracker that reports what passed to `passed`, and counts and times the acknowledgements in `metrics`.
    init(metrics: PublisherMetrics, passed: @escaping @Sendable ([Sent]) -> Void) {
        self.passed = passed
        self.metrics = metrics
    }

    /// Events sent and not yet confirmed.
    var inFlight: Int { self.state.withLock { $0.inFlight } }

    /// Why the connection is done, once it is.
    var failure: NATSPublishError? { self.state.withLock { $0.failure } }

    /// True once groups may be checked by the stream's sequence instead of an ack per message.
    var checksByStreamSeq: Bool { self.state.withLock { $0.streamSeq != nil } }

    /// Tracks the events of one reply (sent at `sentNs`, uptime): a single event, or a group whose last message
    /// carries the reply.
    func track(_ events: [Sent], grouped: Bool, _ reply: EventLoopFuture<NATSMessage>, sentNs: UInt64) {
        guard let last = events.last?.seq else { return }
        self.state.withLock { state in
            state.entries.append(Entry(events: events, last: last, grouped: grouped))
            state.inFlight += events.count
        }
        reply.whenComplete { result in
            switch result {
            case .success(let message):
                guard message.status == nil, let ack = Self.parseAck(message.payload.readableBytesView) else {
                    self.fail(.refused(message.status.map { "status \($0)" } ?? String(buffer: message.payload)))
                    return
                }
                self.metrics.latency.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- sentNs))
                self.acknowledge(last, ack)
            case .failure(let error):
                self.fail(.connection(error as? NATSError))
            }
        }
    }

    /// The stream's sequence and the duplicate flag of a publish's acknowledgement (`JetStream.PublishAck`); nil
    /// for an error reply or anything else.
    static func parseAck(_ json: ByteBufferView) -> Ack? {
        guard let ack = try? JetStream.decode(JetStream.PublishAck.self, from: json) else { return nil }
        return (ack.seq, ack.duplicate)
    }

    /// Records the ack of the entry `id`, passes what is confirmed, and wakes the waiting sender when there is room.
    private func acknowledge(_ id: LSN, _ ack: Ack) {
        typealias Outcome = (passed: [Sent], failure: NATSPublishError?, resume: CheckedContinuation<Void, Never>?)
        let (passed, failure, resume) = self.state.withLock { state -> Outcome in
            // Acknowledgements come in order almost always: look from the front.
            guard let index = state.entries.firstIndex(where: { $0.last == id }) else { return ([], nil, nil) }
            state.entries[index].ack = ack
            let (passed, failure) = state.confirmFront()
            guard failure == nil, let waiter = state.waiter, state.inFlight < waiter.limit else {
                return (passed, failure, nil)
            }
            state.waiter = nil
            return (passed, nil, waiter.continuation)
        }
        if !passed.isEmpty {
            self.passed(passed)
            self.metrics.published.increment(by: passed.count)
        }
        resume?.resume()
        if let failure { self.fail(failure) }
    }

    /// Keeps the first failure and wakes the waiting sender, which throws it.
    private func fail(_ error: NATSPublishError) {
        let resume = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.failure = state.failure ?? error
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        resume?.resume()
    }

    /// Returns once fewer than `limit` publishes are in flight; throws the failure if one came.
    func waitForRoom(below limit: Int) async throws(NATSPublishError) {
        while true {
            if let failure = self.failure { throw failure }
            if self.inFlight < limit { return }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = self.state.withLock { state -> Bool in
                    if state.failure != nil || state.inFlight < limit { return true }
                    state.waiter = (limit, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        }
    }
}
