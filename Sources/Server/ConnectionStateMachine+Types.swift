import NIOCore
import SeatActors
import Store

/// What goes into and comes out of `ConnectionStateMachine`.
extension ConnectionStateMachine {
    /// What was read: a line, or a line longer than the limit (the decoder's buffer overflowed).
    enum Input {
        case line(ByteBuffer)
        case tooLong
    }

    /// The request a reply answers and when it was read, for the latency metric.
    struct Timing: Sendable {
        let command: ServerMetrics.Command
        let startedNs: UInt64
    }

    /// A reply on its way out.
    enum Slot {
        /// Being decided on another loop or in a task.
        case pending
        /// A reply to send once the change its token names is durable; `timing` when it answers a request.
        case reply(Response, CommitToken, Timing?)
        /// An event line for a watcher, sent once its change is durable; if the change was lost (the log failed),
        /// `ERR UNAVAILABLE` goes instead and the connection ends: a watcher never sees a lost change, and never a
        /// later event after a gap.
        case event(Response, CommitToken)
        /// Send what came before, then half-close.
        case close
    }

    /// A request that runs in a task: it starts once every earlier request is decided, and nothing after it runs
    /// before it is decided.
    enum Deferred {
        case suspending(Dispatcher.Suspending)
        case watch(session: String?, from: LSN?)
    }

    /// What `takeWritable` found besides the replies it handed out: whether the connection half-closes after them,
    /// and the change to wait for before the next reply may leave.
    struct Writable {
        var halfClose = false
        var wait: DurabilityTicket?
    }

    /// What the connection does once every line read is answered after EOF or the drain.
    enum Finish: Equatable {
        /// Not done yet.
        case none
        /// Every line read is answered, but replies are still queued: a watcher's stream ends.
        case streamEnds
        /// Close the channel after the last write (EOF).
        case close
        /// Half-close after the last write (the drain).
        case halfClose
    }
}
