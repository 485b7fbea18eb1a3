import Synchronization

/// Delivers change events to subscribers of one session or of all. Each subscriber has a bounded buffer; one
/// that falls behind by more is cut off (its stream ends and `overflowed` is set), never waited for.
public final class EventHub: Sendable {
    private struct Subscriber {
        let session: String?
        let continuation: AsyncStream<ChangeEvent>.Continuation
        let subscription: EventSubscription
    }

    private let subscribers = Mutex<[Int: Subscriber]>([:])
    private let count = Atomic<Int>(0)
    private let nextID = Atomic<Int>(0)

    public init() {}

    /// True when anyone listens: publishers build events only then.
    public var hasSubscribers: Bool { self.count.load(ordering: .relaxed) > 0 }

    /// Subscribes to one session's events, or every session's with `session` nil.
    public func subscribe(session: String?, bufferMax: Int = Limits.eventsBufferedPerSubscriberMax)
        -> EventSubscription
    {
        let id = self.nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(
            of: ChangeEvent.self, bufferingPolicy: .bufferingOldest(bufferMax))
        let subscription = EventSubscription(id: id, events: stream, hub: self)
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        self.subscribers.withLock {
            $0[id] = Subscriber(session: session, continuation: continuation, subscription: subscription)
        }
        self.count.add(1, ordering: .relaxed)
        return subscription
    }

    /// The log generation events are published in now (see `ChangeEvent.epoch`).
    private let epoch = Atomic<Int>(0)

    /// Starts a new log generation: events published from now on carry `epoch`.
    public func begin(epoch: Int) { self.epoch.store(epoch, ordering: .releasing) }

    /// Hands an event to every interested subscriber. Called in LSN order (under the log's lock).
    public func publish(_ event: ChangeEvent) {
        var event = event
        event.epoch = self.epoch.load(ordering: .acquiring)
        let overflowed = self.subscribers.withLock { subscribers -> [Int] in
            var overflowed: [Int] = []
            for (id, subscriber) in subscribers where subscriber.session == nil || subscriber.session == event.session {
                if case .dropped = subscriber.continuation.yield(event) {
                    subscriber.subscription.markOverflowed()
                    overflowed.append(id)
                }
            }
            return overflowed
        }
        for id in overflowed { self.remove(id) }
    }

    /// Ends every subscriber's stream, marking it failed with `reason` (the log failed: the events a subscriber
    /// has not had may be of changes that were lost, and it must resume from what is durable).
    public func endAll(failing reason: String) {
        let ended = self.subscribers.withLock { subscribers -> [Int] in
            for subscriber in subscribers.values { subscriber.subscription.markFailed(reason) }
            return Array(subscribers.keys)
        }
        for id in ended { self.remove(id) }
    }

    /// Drops a subscriber and ends its stream (outside the lock: ending it calls back into `remove`).
    fileprivate func remove(_ id: Int) {
        guard let removed = self.subscribers.withLock({ $0.removeValue(forKey: id) }) else { return }
        self.count.subtract(1, ordering: .relaxed)
        removed.continuation.finish()
    }
}

/// One subscriber's stream of events.
public final class EventSubscription: Sendable {
    /// The events, in LSN order. Ends when cancelled or when the subscriber fell too far behind.
    public let events: AsyncStream<ChangeEvent>
    private let id: Int
    private weak let hub: EventHub?
    private let overflowFlag = Atomic<Bool>(false)
    private let failure = Mutex<String?>(nil)

    fileprivate init(id: Int, events: AsyncStream<ChangeEvent>, hub: EventHub) {
        self.id = id
        self.events = events
        self.hub = hub
    }

    /// True when the stream ended because the subscriber did not keep up.
    public var overflowed: Bool { self.overflowFlag.load(ordering: .relaxed) }

    fileprivate func markOverflowed() { self.overflowFlag.store(true, ordering: .relaxed) }

    /// Why the stream ended when the log failed (`EventHub.endAll`), or nil.
    public var failed: String? { self.failure.withLock { $0 } }

    fileprivate func markFailed(_ reason: String) { self.failure.withLock { $0 = $0 ?? reason } }

    /// Stops the subscription.
    public func cancel() { self.hub?.remove(self.id) }
}
