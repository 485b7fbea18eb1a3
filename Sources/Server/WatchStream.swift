import Logging
import NIOCore
import SeatActors
import Store

/// A watching connection's stream of events: a task reads them (first those `history` reads, for WATCH `from=`,
/// then the live ones) and hands them to the connection a batch at a time, waiting while the connection has no
/// room. The connection owns it: it ends the stream when the connection ends (`cancel`) or when every line read
/// after EOF or the drain is answered (`endEvents`).
///
/// A subscriber that fell behind gets `ERR BUSY` and the connection ends; one whose history was trimmed while it
/// was read gets `ERR TRIMMED`; when the log fails, `ERR UNAVAILABLE`. Each then resumes with `from=`.
final class WatchStream {
    typealias Slot = ConnectionStateMachine.Slot

    /// Where the stream hands events to the connection, on the connection's loop.
    struct Outlet: Sendable {
        let handler: NIOLoopBound<ConnectionHandler>

        /// Queues `items`; returns once there is room for more, or false once the connection takes no more.
        func put(_ items: [Slot]) async -> Bool {
            await withCheckedContinuation { continuation in
                self.handler.eventLoop.execute { self.handler.value.enqueue(items, resume: continuation) }
            }
        }
    }

    private let subscription: EventSubscription
    private var task: Task<Void, Never>?
    /// The stream waits here for room.
    private var roomWaiter: CheckedContinuation<Bool, Never>?

    /// Starts streaming `watch` into the connection behind `outlet`.
    init(_ watch: Dispatcher.Watch, into outlet: Outlet, logger: Logger) {
        self.subscription = watch.events
        self.task = Self.start(watch, into: outlet, logger: logger)
    }

    private static func start(_ watch: Dispatcher.Watch, into outlet: Outlet, logger: Logger) -> Task<Void, Never> {
        Task { await Self.stream(watch, into: outlet, logger: logger) }
    }

    /// The stream waits for room after `put`.
    func waitForRoom(_ resume: CheckedContinuation<Bool, Never>) {
        self.roomWaiter = resume
    }

    /// Lets a waiting stream go on once the connection has room.
    func roomFreed() {
        guard let waiter = self.roomWaiter else { return }
        self.roomWaiter = nil
        waiter.resume(returning: true)
    }

    /// No more events: the stream ends once it has handed over what it holds.
    func endEvents() {
        self.subscription.cancel()
    }

    /// The connection ends: the stream stops now.
    func cancel() {
        self.subscription.cancel()
        self.task?.cancel()
        self.task = nil
        self.roomWaiter?.resume(returning: false)
        self.roomWaiter = nil
    }

    private static func stream(_ watch: Dispatcher.Watch, into outlet: Outlet, logger: Logger) async {
        let subscription = watch.events
        defer { subscription.cancel() }
        if var history = watch.history {
            while true {
                let page = await history.next(max: 256)
                if let oldest = history.gaps.map(\.oldest).max() {
                    _ = await outlet.put([.reply(.error(.trimmed, "\(oldest)"), .none, nil), .close])
                    return
                }
                if page.isEmpty { break }
                let epoch = watch.epoch
                let events = page.map { Slot.event(.line(Reply.event($0)), CommitToken(epoch: epoch, lsn: $0.seq)) }
                guard await outlet.put(events) else { return }
            }
        }
        for await event in subscription.events {
            let line = Slot.event(.line(Reply.event(event)), CommitToken(epoch: event.epoch, lsn: event.seq))
            guard await outlet.put([line]) else { return }
        }
        if let failure = subscription.failed {
            logger.info("watcher closed: the log failed")
            _ = await outlet.put([.reply(.error(.unavailable, failure), .none, nil), .close])
        } else if subscription.overflowed {
            logger.info("watcher cut off: events were not read fast enough")
            _ = await outlet.put([.reply(.error(.busy, "events were not read fast enough"), .none, nil), .close])
        }
    }
}
