import NIOCore
import NIOPosix
import SeatActors
import Synchronization
import Testing

@testable import NATS
@testable import Server

/// Goal: the acknowledged position only moves past a seq once everything before it is acknowledged, whatever order
/// the acks come in; duplicates confirm but do not give the stream's sequence; a group passes only when its ack
/// lands exactly where the stream's sequence says, and anything else (a short group, an error reply, a status, a
/// closed connection) fails the connection and wakes a sender waiting for room. Method: a tracker fed replies
/// completed by hand on an event loop, as a connection completes them.
struct AckTrackerTests {
    /// A flag a task sets.
    final class Flag: Sendable {
        let value = Mutex(false)
        var isSet: Bool { self.value.withLock { $0 } }
        func set() { self.value.withLock { $0 = true } }
    }

    /// The seqs the tracker passed, in order.
    final class Passed: Sendable {
        let seqs = Mutex<[LSN]>([])
        var all: [LSN] { self.seqs.withLock { $0 } }
    }

    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let passed = Passed()
    let tracker: AckTracker

    init() {
        let passed = self.passed
        self.tracker = AckTracker(metrics: PublisherMetrics()) { events in
            passed.seqs.withLock { $0 += events.map(\.seq) }
        }
    }

    /// Tracks `seqs` as one reply's events; returns the reply's promise.
    func track(_ seqs: ClosedRange<LSN>, grouped: Bool = false) -> EventLoopPromise<NATSMessage> {
        let promise = self.loop.makePromise(of: NATSMessage.self)
        self.tracker.track(seqs.map { ($0, "s\($0 % 2)") }, grouped: grouped, promise.futureResult, sentNs: 0)
        return promise
    }

    /// Completes `promise` on its loop (the tracker's callback has run when this returns).
    func reply(_ promise: EventLoopPromise<NATSMessage>, _ json: String, status: Int? = nil) async throws {
        let message = JetStreamTests.reply(json, status: status)
        try await self.loop.submit { promise.succeed(message) }.get()
    }

    /// JetStream's acknowledgement, as nats-server writes it.
    static func ack(_ streamSeq: UInt64, duplicate: Bool = false) -> String {
        #"{"stream":"SEATD", "seq":\#(streamSeq)"# + (duplicate ? #","duplicate": true}"# : "}")
    }

    @Test func acksInAnyOrderPassInSeqOrder() async throws {
        let replies = [self.track(1...1), self.track(2...2), self.track(3...3)]
        #expect(self.tracker.inFlight == 3 && !self.tracker.checksByStreamSeq)
        try await self.reply(replies[1], Self.ack(11))
        #expect(self.passed.all.isEmpty && self.tracker.inFlight == 3)
        try await self.reply(replies[0], Self.ack(10, duplicate: true))
        #expect(self.passed.all == [1, 2] && self.tracker.inFlight == 1)
        #expect(self.tracker.checksByStreamSeq, "a new message's ack gives the stream's sequence")
        try await self.reply(replies[2], Self.ack(12))
        #expect(self.passed.all == [1, 2, 3] && self.tracker.inFlight == 0 && self.tracker.failure == nil)
    }

    @Test func duplicatesConfirmButDoNotGiveTheStreamSequence() async throws {
        try await self.reply(self.track(1...1), Self.ack(4, duplicate: true))
        try await self.reply(self.track(2...2), Self.ack(5, duplicate: true))
        #expect(self.passed.all == [1, 2] && !self.tracker.checksByStreamSeq)
    }

    @Test func aGroupPassesOnlyWhereTheStreamSequenceSaysItLands() async throws {
        try await self.reply(self.track(1...1), Self.ack(20))
        try await self.reply(self.track(2...4, grouped: true), Self.ack(23))
        #expect(self.passed.all == [1, 2, 3, 4] && self.tracker.failure == nil)
        // Two messages after 23 land at 25; an ack at 24 says one of them was not stored.
        try await self.reply(self.track(5...6, grouped: true), Self.ack(24))
        #expect(self.passed.all == [1, 2, 3, 4] && self.tracker.inFlight == 2)
        guard case .refused = self.tracker.failure else {
            Issue.record("\(String(describing: self.tracker.failure))")
            return
        }
        await #expect(throws: NATSPublishError.self) { try await self.tracker.waitForRoom(below: 100) }
    }

    @Test func aDuplicateInAGroupFailsIt() async throws {
        try await self.reply(self.track(1...1), Self.ack(20))
        try await self.reply(self.track(2...3, grouped: true), Self.ack(22, duplicate: true))
        #expect(self.passed.all == [1])
        guard case .refused = self.tracker.failure else {
            Issue.record("no failure")
            return
        }
    }

    @Test func errorRepliesStatusesAndClosedConnectionsFail() async throws {
        let cases: [(json: String, status: Int?)] = [
            (#"{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"seq":0}"#, nil),
            ("", 503),
        ]
        for (json, status) in cases {
            let tracker = AckTracker(metrics: PublisherMetrics()) { _ in Issue.record("passed on an error") }
            let promise = self.loop.makePromise(of: NATSMessage.self)
            tracker.track([(1, "s")], grouped: false, promise.futureResult, sentNs: 0)
            let message = JetStreamTests.reply(json, status: status)
            try await self.loop.submit { promise.succeed(message) }.get()
            guard case .refused = tracker.failure else {
                Issue.record("no failure for \(json) \(String(describing: status))")
                continue
            }
        }
        let closed = self.track(1...1)
        try await self.loop.submit { closed.fail(NATSError.closed) }.get()
        guard case .connection(.closed) = self.tracker.failure else {
            Issue.record("no failure")
            return
        }
    }

    @Test func aSenderWaitsForRoomUntilAnAckFreesIt() async throws {
        let replies = [self.track(1...1), self.track(2...2)]
        let waited = Flag()
        let tracker = self.tracker
        let waiter = Task {
            try await tracker.waitForRoom(below: 2)
            waited.set()
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!waited.isSet, "two in flight, room below two")
        try await self.reply(replies[0], Self.ack(1))
        try await waiter.value
        #expect(waited.isSet && self.tracker.inFlight == 1)
        // A failure wakes a waiter too, which then throws it.
        let blocked = Task { try await tracker.waitForRoom(below: 1) }
        try await Task.sleep(for: .milliseconds(50))
        try await self.loop.submit { replies[1].fail(NATSError.closed) }.get()
        await #expect(throws: NATSPublishError.self) { try await blocked.value }
    }
}
