import Synchronization
import Testing

@testable import SeatActors

/// Goal: the log's lock is held only to take an event's LSN and post it; subscribers get it after the lock is
/// released, in LSN order, and one that stops reading holds up no append. Method: a log that looks at a sink while
/// it holds its lock, and counts (no timing): appends that complete while a watcher's buffer is full, and the
/// events another subscriber gets.
struct EventFanOutTests {
    /// A log that, under its lock and right after `publish`, records how many events the sink already holds.
    final class PeekingLog: ChangeLog {
        private let last = Mutex<LSN>(0)
        let sink = Mutex<EventSink?>(nil)
        let heldUnderLock = Mutex<[Int]>([])

        func append(_ record: LogRecord, publish: (Appended) -> Void) throws(SeatError) -> Appended {
            self.last.withLock { last in
                last += 1
                let appended = Appended(lsn: last, atMs: 0)
                publish(appended)
                if let sink = self.sink.withLock({ $0 }) {
                    let held = sink.takeNow().count
                    self.heldUnderLock.withLock { $0.append(held) }
                }
                return appended
            }
        }

        func withAppendsHeld<Value>(_ body: (LSN) -> Value) -> Value { self.last.withLock { body($0) } }

        var lastLSN: LSN { self.last.withLock { $0 } }
    }

    @Test func eventsReachSubscribersOnlyAfterTheLogsLockIsReleased() async throws {
        let hub = EventHub()
        let log = PeekingLog()
        let registry = Registry(log: log, hub: hub, clock: ManualClock(), ids: SeededHoldIDSource(seed: 8))
        _ = try registry.createHall(id: "h", rows: try rows("A=10"))
        let session = try registry.createSession(try SessionConfig(id: "s", hallID: "h"))
        let sink = log.withAppendsHeld { hub.sink(after: $0, bufferMax: 100) }
        log.sink.withLock { $0 = sink }
        var delivered = 0
        for number in 1...10 {
            _ = try await session.hold(customer: "c", selection: .explicit([SeatLabel(row: "A", number: number)]))
                .result.get()
            delivered += sink.takeNow().count
        }
        // Under the lock the sink never held the event just appended; once the append returned, it did.
        #expect(log.heldUnderLock.withLock { $0 } == Array(repeating: 0, count: 10))
        #expect(delivered == 10)
    }

    @Test func aWatcherThatStopsReadingHoldsUpNoAppend() async throws {
        let hub = EventHub()
        let registry = Registry(
            log: InMemoryChangeLog(), hub: hub, clock: ManualClock(),
            ids: SeededHoldIDSource(seed: 9))
        _ = try registry.createHall(id: "h", rows: try rows("A=20"))
        let stalled = try registry.createSession(try SessionConfig(id: "stalled", hallID: "h"))
        let busy = try registry.createSession(try SessionConfig(id: "busy", hallID: "h"))
        let stopped = hub.subscribe(session: "stalled", bufferMax: 4)
        let reader = hub.sink(bufferMax: 10_000)
        var completed = 0
        for round in 0..<500 {
            let seat = SeatLabel(row: "A", number: 1 + round % 20)
            for session in [stalled, busy] {
                let hold = try await session.hold(customer: "c", selection: .explicit([seat])).result.get()
                _ = try await session.release(hold.holdID).result.get()
                completed += 2
            }
        }
        #expect(completed == 2_000)
        // The watcher that never read was cut off after its 4 buffered events; the other subscriber got every
        // event of both sessions, in LSN order, with no gap.
        var kept = 0
        for await _ in stopped.events { kept += 1 }
        #expect(kept == 4)
        #expect(stopped.overflowed)
        let events = reader.takeNow()
        #expect(events.count == 2_000)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.seq + 1 == $1.seq })
    }
}
