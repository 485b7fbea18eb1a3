import Synchronization

/// A subscriber that takes events in batches: `put` only appends, and wakes the taker only when it waits, so a busy
/// taker costs no wake-up per event.
public final class EventSink: Sendable {
    private struct State {
        var events: [PublishedEvent] = []
        var ended = false
        var overflowed = false
        var failure: String?
        /// Set by `nudge`: the next `takeAll` returns, empty if nothing came.
        var nudged = false
        var taker: CheckedContinuation<Void, Never>?
    }

    private let id: Int
    private let bufferMax: Int
    private weak let hub: EventHub?
    private let state = Mutex(State())

    init(id: Int, bufferMax: Int, hub: EventHub) {
        self.id = id
        self.bufferMax = max(bufferMax, 1)
        self.hub = hub
    }

    /// Appends an event; false when the sink is full (it is then cut off).
    func put(_ event: PublishedEvent) -> Bool {
        let (accepted, taker) = self.state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard state.events.count < self.bufferMax else {
                state.overflowed = true
                return (false, nil)
            }
            state.events.append(event)
            defer { state.taker = nil }
            return (true, state.taker)
        }
        taker?.resume()
        return accepted
    }

    func markFailed(_ reason: String) { self.state.withLock { $0.failure = $0.failure ?? reason } }

    func finish() {
        let taker = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.ended = true
            defer { state.taker = nil }
            return state.taker
        }
        taker?.resume()
    }

    /// Why the sink ended: the log failed (`failed`), or it fell behind (`overflowed`).
    public var failed: String? { self.state.withLock { $0.failure } }
    public var overflowed: Bool { self.state.withLock { $0.overflowed } }

    /// Wakes the taker: its `takeAll` returns now, with no events if none came (a stream's heartbeat is due).
    public func nudge() {
        let taker = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.nudged = true
            defer { state.taker = nil }
            return state.taker
        }
        taker?.resume()
    }

    /// Every event put since the last take, waiting for at least one (or a `nudge`); nil once the sink ended
    /// (failed, fell behind, cancelled) and is empty, or the task is cancelled.
    public func takeAll() async -> [PublishedEvent]? {
        while true {
            let taken: [PublishedEvent]?? = self.state.withLock { state in
                defer { state.nudged = false }
                if !state.events.isEmpty || (state.nudged && !state.ended) {
                    defer { state.events.removeAll(keepingCapacity: true) }
                    return .some(state.events)
                }
                return state.ended ? .some(nil) : .none
            }
            if let taken { return taken }
            if Task.isCancelled { return nil }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = self.state.withLock { state -> Bool in
                        if !state.events.isEmpty || state.ended || state.nudged || Task.isCancelled { return true }
                        state.taker = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                let taker = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.taker = nil }
                    return state.taker
                }
                taker?.resume()
            }
        }
    }

    /// Every event put since the last take, without waiting (possibly none).
    public func takeNow() -> [PublishedEvent] {
        self.state.withLock { state in
            defer { state.events.removeAll(keepingCapacity: true) }
            return state.events
        }
    }

    /// Stops the sink.
    public func cancel() { self.hub?.remove(self.id) }
}
