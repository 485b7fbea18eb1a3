import Synchronization

/// One subscriber's stream of events.
public final class EventSubscription: Sendable {
    /// The events, in LSN order. Ends when cancelled or when the subscriber fell too far behind.
    public let events: AsyncStream<ChangeEvent>
    private let id: Int
    private weak let hub: EventHub?
    private let overflowFlag = Atomic<Bool>(false)
    private let failure = Mutex<String?>(nil)

    init(id: Int, events: AsyncStream<ChangeEvent>, hub: EventHub) {
        self.id = id
        self.events = events
        self.hub = hub
    }

    /// True when the stream ended because the subscriber did not keep up.
    public var overflowed: Bool { self.overflowFlag.load(ordering: .relaxed) }

    func markOverflowed() { self.overflowFlag.store(true, ordering: .relaxed) }

    /// Why the stream ended when the log failed (`EventHub.endAll`), or nil.
    public var failed: String? { self.failure.withLock { $0 } }

    func markFailed(_ reason: String) { self.failure.withLock { $0 = $0 ?? reason } }

    /// Stops the subscription.
    public func cancel() { self.hub?.remove(self.id) }
}
