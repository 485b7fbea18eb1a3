import DequeModule
import SeatActors
import Synchronization
import WAL

/// The replies of one connection on their way out, in request order: the reader puts, the writer takes all that
/// is there. Bounded, so a client that pipelines faster than replies leave stops being read (backpressure)
/// instead of making the server buffer without bound.
final class ReplyQueue: Sendable {
    enum Item: Sendable {
        /// A reply to send once the change its token names is durable; `timing` when it answers a request.
        case reply(Response, CommitToken, timing: Timing? = nil)
        /// An event line for a watcher, sent once its change is durable; if the change was lost (the log failed),
        /// `ERR UNAVAILABLE` goes instead and the connection closes: a watcher never sees a lost change, and never
        /// a later event after a gap.
        case event(Response, CommitToken)
        /// Send what came before, then close the connection.
        case close

        /// A reply that reflects no change: it may leave at once.
        static func now(_ response: Response, timing: Timing? = nil) -> Item { .reply(response, .none, timing: timing) }

        /// What a reply or an event waits for; nil for `close`.
        var token: CommitToken? {
            switch self {
            case .reply(_, let token, _), .event(_, let token): token
            case .close: nil
            }
        }
    }

    /// The request a reply answers and when it was read, for the latency metric.
    struct Timing: Sendable {
        let command: ServerMetrics.Command
        let startedNs: UInt64
    }

    private struct State {
        var items: Deque<Item> = []
        var finished = false
        var taker: CheckedContinuation<[Item]?, Never>?
        var putters: [CheckedContinuation<Void, Never>] = []

        /// Everything queued, and the putters that may go on now that there is room.
        mutating func drain() -> ([Item], [CheckedContinuation<Void, Never>]) {
            defer {
                self.items.removeAll()
                self.putters.removeAll()
            }
            return (Array(self.items), self.putters)
        }
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Adds an item, first waiting while the queue is full.
    func put(_ item: Item) async { await self.put(contentsOf: [item]) }

    /// Adds items in order, waiting while the queue is full; a waiting taker gets them together, so the replies of
    /// one read are written together.
    func put(contentsOf items: [Item]) async {
        var rest = items[...]
        while !rest.isEmpty {
            while self.state.withLock({ $0.items.count >= self.capacity && !$0.finished }) {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let parked = self.state.withLock { state in
                        guard state.items.count >= self.capacity && !state.finished else { return false }
                        state.putters.append(continuation)
                        return true
                    }
                    if !parked { continuation.resume() }
                }
            }
            let handoff: (CheckedContinuation<[Item]?, Never>, [Item], [CheckedContinuation<Void, Never>])? =
                self.state.withLock { state in
                    guard !state.finished else {
                        rest = []
                        return nil
                    }
                    let room = max(1, self.capacity - state.items.count)
                    state.items.append(contentsOf: rest.prefix(room))
                    rest = rest.dropFirst(room)
                    guard let taker = state.taker else { return nil }
                    state.taker = nil
                    let (items, putters) = state.drain()
                    return (taker, items, putters)
                }
            if let (taker, items, putters) = handoff {
                taker.resume(returning: items)
                for putter in putters { putter.resume() }
            }
        }
    }

    /// Takes everything queued, waiting for at least one item; nil once finished and empty.
    func takeAll() async -> [Item]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Item]?, Never>) in
            let ready: ([Item]?, [CheckedContinuation<Void, Never>])? = self.state.withLock { state in
                if !state.items.isEmpty {
                    let (items, putters) = state.drain()
                    return (items, putters)
                }
                if state.finished { return (nil, []) }
                state.taker = continuation
                return nil
            }
            guard let (items, putters) = ready else { return }
            for putter in putters { putter.resume() }
            continuation.resume(returning: items)
        }
    }

    /// No more items will come: a waiting taker gets nil once the queue is empty; waiting putters go on.
    func finish() {
        let (taker, putters): (CheckedContinuation<[Item]?, Never>?, [CheckedContinuation<Void, Never>]) =
            self.state.withLock { state in
                state.finished = true
                let taker = state.items.isEmpty ? state.taker : nil
                if taker != nil { state.taker = nil }
                defer { state.putters.removeAll() }
                return (taker, state.putters)
            }
        taker?.resume(returning: nil)
        for putter in putters { putter.resume() }
    }
}
