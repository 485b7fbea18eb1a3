import Synchronization

/// An event as the log posts it, under its lock: the session's retained form and the session it is of. It becomes a
/// `ChangeEvent` (seat labels and all) only where someone reads it, never under the lock.
public struct PublishedEvent: Sendable {
    public let event: SessionEvent
    public let session: Session
    /// The log generation the change was appended to (set by `EventHub.post`).
    public internal(set) var epoch = 0

    public init(_ event: SessionEvent, session: Session) {
        self.event = event
        self.session = session
    }

    public var seq: LSN { self.event.seq }

    /// The event as watchers and consumers see it.
    public var change: ChangeEvent {
        ChangeEvent(self.event, session: self.session.id, hall: self.session.hall, epoch: self.epoch)
    }
}
