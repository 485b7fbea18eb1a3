import Synchronization

/// Delivers change events to subscribers of one session or of all. A stream subscriber (WATCH) has a bounded
/// buffer; a sink (the NATS publisher) a bounded list it takes in batches, woken once per batch rather than once
/// per event. One that falls behind by more is cut off (`overflowed`), never waited for.
///
/// The log's lock is held only to post: `post` (called under it, in LSN order) puts the event in an outbox, and
/// `deliver` (called by the appender once the lock is released) hands the outbox to the subscribers. One caller
/// delivers at a time and takes the outbox in order, so subscribers see LSN order; a caller that finds another
/// delivering leaves its events to it. A subscriber gets only the events of its generation after the LSN it
/// subscribed at (`withAppendsHeld`), however late an earlier event is delivered.
public final class EventHub: Sendable {
    private enum Subscriber {
        case stream(session: String?, AsyncStream<ChangeEvent>.Continuation, EventSubscription)
        case sink(session: String?, EventSink)
    }

    /// A subscriber and what it gets: events of generation `epoch` after LSN `after`.
    private struct Entry {
        let subscriber: Subscriber
        let epoch: Int
        let after: LSN

        func wants(_ event: PublishedEvent) -> Bool { event.epoch == self.epoch && event.seq > self.after }

        /// The one session it takes, or nil for every session.
        var session: String? {
            switch self.subscriber {
            case .stream(let session, _, _), .sink(let session, _): session
            }
        }
    }

    /// Events posted and not yet delivered, and whether someone is delivering.
    private struct Outbox {
        var events: [PublishedEvent] = []
        var delivering = false
    }

    /// The subscribers, and which of them take which session's events: an event is offered to its session's
    /// subscribers and to those of every session, never to all (a hundred streams of a hundred sessions cost one
    /// lookup per event, not a hundred).
    private struct Table {
        var entries: [Int: Entry] = [:]
        var bySession: [String: [Int]] = [:]
        var everySession: [Int] = []

        mutating func insert(_ id: Int, _ entry: Entry) {
            self.entries[id] = entry
            if let session = entry.session {
                self.bySession[session, default: []].append(id)
            } else {
                self.everySession.append(id)
            }
        }

        mutating func remove(_ id: Int) -> Entry? {
            guard let entry = self.entries.removeValue(forKey: id) else { return nil }
            if let session = entry.session {
                self.bySession[session]?.removeAll { $0 == id }
                if self.bySession[session]?.isEmpty == true { self.bySession[session] = nil }
            } else {
                self.everySession.removeAll { $0 == id }
            }
            return entry
        }
    }

    private let subscribers = Mutex(Table())
    private let outbox = Mutex(Outbox())
    /// Events in the outbox: read without its lock, so an append with nothing to deliver takes no lock.
    private let posted = Atomic<Int>(0)
    private let count = Atomic<Int>(0)
    private let nextID = Atomic<Int>(0)
    /// The log generation events are published in now (see `ChangeEvent.epoch`).
    private let epoch = Atomic<Int>(0)

    public init() {}

    /// True when anyone listens: publishers build events only then.
    public var hasSubscribers: Bool { self.count.load(ordering: .relaxed) > 0 }

    /// Subscribes to one session's events, or every session's with `session` nil: those after LSN `after` (the
    /// log's last LSN, read under its lock with `withAppendsHeld`; 0, for tests: whatever is delivered from now).
    public func subscribe(
        session: String?, after: LSN = 0, bufferMax: Int = Limits.eventsBufferedPerSubscriberMax
    ) -> EventSubscription {
        let id = self.nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(
            of: ChangeEvent.self, bufferingPolicy: .bufferingOldest(bufferMax))
        let subscription = EventSubscription(id: id, events: stream, hub: self)
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        self.add(id, .stream(session: session, continuation, subscription), after: after)
        return subscription
    }

    /// Subscribes a sink to one session's events, or every session's with `session` nil, after LSN `after` (as
    /// for `subscribe`); it holds at most `bufferMax` untaken.
    public func sink(session: String? = nil, after: LSN = 0, bufferMax: Int) -> EventSink {
        let id = self.nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let sink = EventSink(id: id, bufferMax: bufferMax, hub: self)
        self.add(id, .sink(session: session, sink), after: after)
        return sink
    }

    private func add(_ id: Int, _ subscriber: Subscriber, after: LSN) {
        let entry = Entry(subscriber: subscriber, epoch: self.epoch.load(ordering: .acquiring), after: after)
        self.subscribers.withLock { $0.insert(id, entry) }
        self.count.add(1, ordering: .relaxed)
    }

    /// Starts a new log generation: events posted from now on carry `epoch`.
    public func begin(epoch: Int) { self.epoch.store(epoch, ordering: .releasing) }

    /// Queues an event for delivery. Called in LSN order, under the log's lock: it only appends.
    public func post(_ event: PublishedEvent) {
        var event = event
        event.epoch = self.epoch.load(ordering: .acquiring)
        self.outbox.withLock { $0.events.append(event) }
        self.posted.add(1, ordering: .releasing)
    }

    /// Hands every posted event to its subscribers, in order, outside the log's lock (see the type's comment).
    public func deliver() {
        guard self.posted.load(ordering: .acquiring) > 0 else { return }
        var batch = self.outbox.withLock { outbox -> [PublishedEvent] in
            guard !outbox.delivering else { return [] }
            outbox.delivering = !outbox.events.isEmpty
            defer { outbox.events.removeAll(keepingCapacity: true) }
            return outbox.events
        }
        while !batch.isEmpty {
            self.posted.subtract(batch.count, ordering: .relaxed)
            self.fanOut(batch)
            // Events posted while this delivered are this caller's to deliver: the others left them.
            batch = self.outbox.withLock { outbox -> [PublishedEvent] in
                outbox.delivering = !outbox.events.isEmpty
                defer { outbox.events.removeAll(keepingCapacity: true) }
                return outbox.events
            }
        }
    }

    private func fanOut(_ events: [PublishedEvent]) {
        let overflowed = self.subscribers.withLock { table -> Set<Int> in
            // A subscriber cut off by one event of the batch gets none after it: never a later event after a gap.
            var overflowed: Set<Int> = []
            for event in events {
                var change: ChangeEvent? = nil
                let own = table.bySession[event.session.id] ?? []
                // The session's own subscribers, then those of every session (no array of the two per event).
                for pass in 0..<2 {
                    for id in pass == 0 ? own : table.everySession {
                        guard let entry = table.entries[id], entry.wants(event), !overflowed.contains(id) else {
                            continue
                        }
                        switch entry.subscriber {
                        case .stream(_, let continuation, let subscription):
                            if change == nil { change = event.change }
                            if case .dropped = continuation.yield(change!) {
                                subscription.markOverflowed()
                                overflowed.insert(id)
                            }
                        case .sink(_, let sink):
                            if !sink.put(event) { overflowed.insert(id) }
                        }
                    }
                }
            }
            return overflowed
        }
        for id in overflowed { self.remove(id) }
    }

    /// Ends every subscriber, marking it failed with `reason` (the log failed: the events a subscriber has not had
    /// may be of changes that were lost, and it must resume from what is durable).
    public func endAll(failing reason: String) {
        let ended = self.subscribers.withLock { table -> [Int] in
            for entry in table.entries.values {
                switch entry.subscriber {
                case .stream(_, _, let subscription): subscription.markFailed(reason)
                case .sink(_, let sink): sink.markFailed(reason)
                }
            }
            return Array(table.entries.keys)
        }
        for id in ended { self.remove(id) }
    }

    /// Drops a subscriber and ends it (outside the lock: ending a stream calls back into `remove`).
    func remove(_ id: Int) {
        guard let removed = self.subscribers.withLock({ $0.remove(id) }) else { return }
        self.count.subtract(1, ordering: .relaxed)
        switch removed.subscriber {
        case .stream(_, let continuation, _): continuation.finish()
        case .sink(_, let sink): sink.finish()
        }
    }
}
