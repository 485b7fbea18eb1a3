import DequeModule
import NIOCore
import SeatActors
import Store

/// A connection's state as one value, with no I/O: where the connection is in its life, the lines read and not yet
/// executed, and the replies not yet written, in request order. `ConnectionHandler` feeds it the channel's events
/// and carries out what it decides (execute a line, write replies, half-close, close, read on); tests drive it
/// directly.
///
/// The replies wait in `slots`: a slot is filled when its request is decided (at once, on another loop, or in a
/// task), and the leading decided replies whose changes are durable leave together (`takeWritable`).
struct ConnectionStateMachine {
    /// What the connection takes.
    enum Mode: Equatable {
        case requests
        /// WATCH was answered OK: only PING and QUIT are requests; every other line is BAD_REQUEST.
        case watching
    }

    /// Where the connection is in its life.
    enum Lifecycle: Equatable {
        /// Reading and executing requests.
        case reading(Mode)
        /// A read is held back: too many replies unanswered, lines waiting, or the socket backed up. The read is
        /// made once there is room.
        case backpressured(Mode)
        /// The client closed its side (EOF): the lines read are answered, then the connection closes.
        case inputClosed(Mode)
        /// Shutting down: nothing more is executed. The lines read but not executed are refused (`ERR UNAVAILABLE
        /// shutting down`); what was executed is answered once durable; then the connection half-closes. Reads go
        /// on and are dropped, so that no unread bytes make the kernel reset the connection over unsent replies.
        case draining(Mode)
        /// Nothing more is executed (QUIT, a line too long, a watcher cut off, too many connections): the replies
        /// queued leave, then the connection half-closes. `draining` once the drain reached it.
        case ending(draining: Bool)
        /// The output is closed after the last reply; reads go on until the client closes, or the grace runs out.
        case halfClosed(draining: Bool)
        /// The channel is gone.
        case closed
    }

    private(set) var lifecycle: Lifecycle = .reading(.requests)
    /// Lines read and not yet executed.
    private var inputs: Deque<Input> = []
    /// Replies not yet written, in request order; slot number `firstSlot + i` is `slots[i]`.
    private var slots: Deque<Slot> = []
    private var firstSlot = 0
    /// Slots being decided elsewhere.
    private var outstanding = 0
    /// The request that runs in a task, its slot and timing, and whether its task started.
    private var deferred: (request: Deferred, slot: Int, timing: Timing, started: Bool)?
    /// A durability callback is registered.
    private var awaitingDurable = false
    /// Unanswered requests at most (`limits.pipeline`).
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// What the connection takes now (watching stays so until it closes).
    var mode: Mode {
        switch self.lifecycle {
        case .reading(let mode), .backpressured(let mode), .inputClosed(let mode), .draining(let mode): mode
        case .ending, .halfClosed, .closed: .requests
        }
    }

    /// True while the connection neither ends nor is closed: replies and events may still be queued.
    var isOpen: Bool {
        switch self.lifecycle {
        case .reading, .backpressured, .inputClosed, .draining: true
        case .ending, .halfClosed, .closed: false
        }
    }

    /// True once the channel is gone.
    var isClosed: Bool { self.lifecycle == .closed }

    /// True once the output is half-closed or the channel is gone: nothing more is written.
    var isDone: Bool {
        switch self.lifecycle {
        case .halfClosed, .closed: true
        default: false
        }
    }

    // MARK: Input

    /// The lines of one read; dropped once nothing more is executed (the drain, the end).
    mutating func read(_ lines: [ByteBuffer]) {
        guard self.takesInput else { return }
        for line in lines { self.inputs.append(.line(line)) }
    }

    /// A line longer than the limit was read: it is answered in turn, and ends the connection.
    mutating func readTooLong() {
        guard self.takesInput else { return }
        self.inputs.append(.tooLong)
    }

    /// True while lines read are kept to be executed.
    private var takesInput: Bool {
        switch self.lifecycle {
        case .reading, .backpressured, .inputClosed: true
        case .draining, .ending, .halfClosed, .closed: false
        }
    }

    /// The reply to a line read before the drain and not executed: it is not carried out.
    static let shuttingDown = Response.error(.unavailable, "shutting down")

    /// The client closed its side (EOF): the lines read are still answered.
    mutating func inputEnded() {
        switch self.lifecycle {
        case .reading(let mode), .backpressured(let mode): self.lifecycle = .inputClosed(mode)
        case .inputClosed, .draining, .ending, .halfClosed, .closed: break
        }
    }

    /// The server began shutting down. True the first time for this connection: then the handler starts the
    /// server's drain clock and schedules the close at the drain's deadline. The lines read and not executed yet
    /// are refused in their turn (`shuttingDown`).
    mutating func drain() -> Bool {
        switch self.lifecycle {
        case .reading(let mode), .backpressured(let mode), .inputClosed(let mode):
            self.lifecycle = .draining(mode)
            for _ in self.inputs { self.slots.append(.reply(Self.shuttingDown, .none, nil)) }
            self.inputs.removeAll()
        case .ending(draining: false):
            self.lifecycle = .ending(draining: true)
        case .halfClosed(draining: false):
            self.lifecycle = .halfClosed(draining: true)
        case .draining, .ending(draining: true), .halfClosed(draining: true), .closed:
            return false
        }
        return true
    }

    /// The channel asks for a read: true to read now, false to hold it back (backpressure) until there is room.
    /// Draining and once half-closed, reads always go on (and are dropped), so that the client's close is seen and
    /// no unread bytes are left to reset the connection.
    mutating func readRequested(writable: Bool) -> Bool {
        switch self.lifecycle {
        case .draining, .halfClosed: return true
        default: break
        }
        guard self.holdsReads(writable: writable) else { return true }
        if case .reading(let mode) = self.lifecycle { self.lifecycle = .backpressured(mode) }
        return false
    }

    /// True when a read held back may be made now (there is room again); the connection reads on.
    mutating func releaseRead(writable: Bool) -> Bool {
        guard case .backpressured(let mode) = self.lifecycle, !self.holdsReads(writable: writable) else { return false }
        self.lifecycle = .reading(mode)
        return true
    }

    /// Reading waits while lines wait, while too many replies are unanswered, or while the socket is backed up.
    func holdsReads(writable: Bool) -> Bool {
        !self.inputs.isEmpty || self.slots.count >= self.capacity || !writable
    }

    // MARK: Executing

    /// The next line to execute, if one may be executed now: nothing more after the end, nothing while a deferred
    /// request waits, and nothing past `capacity` unanswered replies or while the socket is backed up.
    mutating func nextInput(writable: Bool) -> Input? {
        guard self.mayExecute(writable: writable) else { return nil }
        return self.inputs.popFirst()
    }

    /// True when lines wait that may be executed now (writing made room for them).
    func hasExecutableInput(writable: Bool) -> Bool {
        !self.inputs.isEmpty && self.mayExecute(writable: writable)
    }

    private func mayExecute(writable: Bool) -> Bool {
        self.isOpen && self.deferred == nil && self.slots.count < self.capacity && writable
    }

    /// Queues a reply decided now.
    mutating func answer(_ response: Response, _ token: CommitToken, _ timing: Timing?) {
        self.slots.append(.reply(response, token, timing))
    }

    /// Queues a slot for a reply decided elsewhere (on another loop); returns its number for `fill`.
    mutating func reserve() -> Int {
        self.slots.append(.pending)
        self.outstanding += 1
        return self.firstSlot + self.slots.count - 1
    }

    /// Queues a request that runs in a task; nothing after it executes until it is decided.
    mutating func `defer`(_ request: Deferred, timing: Timing) {
        self.deferred = (request, self.reserve(), timing, false)
    }

    /// Queues `response` (if any) as the last reply; nothing more is executed, and the connection half-closes once
    /// it has left (QUIT, a line too long, too many connections).
    mutating func end(with response: Response?, timing: Timing?) {
        if let response { self.slots.append(.reply(response, .none, timing)) }
        self.slots.append(.close)
        self.enterEnding()
    }

    private mutating func enterEnding() {
        switch self.lifecycle {
        case .reading, .backpressured, .inputClosed: self.lifecycle = .ending(draining: false)
        case .draining: self.lifecycle = .ending(draining: true)
        case .ending, .halfClosed, .closed: break
        }
        self.inputs.removeAll()
    }

    /// A reply decided elsewhere.
    mutating func fill(_ slot: Int, _ value: Slot) {
        let index = slot - self.firstSlot
        guard !self.isClosed, self.slots.indices.contains(index) else { return }
        self.slots[index] = value
        self.outstanding -= 1
    }

    /// The deferred request, once it is the only one undecided and its task has not started (it is marked started).
    mutating func startDeferred() -> (request: Deferred, slot: Int, timing: Timing)? {
        guard var deferred = self.deferred, !deferred.started, self.outstanding == 1 else { return nil }
        deferred.started = true
        self.deferred = deferred
        return (deferred.request, deferred.slot, deferred.timing)
    }

    /// The deferred request was decided: its reply fills its slot, and execution goes on.
    mutating func deferredDecided(_ slot: Int, _ value: Slot) {
        self.deferred = nil
        self.fill(slot, value)
    }

    // MARK: Watching

    /// WATCH was answered OK at `slot`: the connection watches from now on. False when it is done already (the
    /// watch is then cancelled).
    mutating func startWatching(slot: Int, timing: Timing) -> Bool {
        self.deferred = nil
        guard !self.isDone else { return false }
        self.fill(slot, .reply(.line("OK"), .none, timing))
        switch self.lifecycle {
        case .reading: self.lifecycle = .reading(.watching)
        case .backpressured: self.lifecycle = .backpressured(.watching)
        case .inputClosed: self.lifecycle = .inputClosed(.watching)
        case .draining: self.lifecycle = .draining(.watching)
        case .ending, .halfClosed, .closed: break
        }
        return true
    }

    /// Queues events (or the line that ends the stream, then `.close`) for the watcher. False once the connection
    /// takes no more.
    mutating func enqueue(_ items: [Slot]) -> Bool {
        guard self.isOpen else { return false }
        self.slots.append(contentsOf: items)
        if items.contains(where: { if case .close = $0 { true } else { false } }) { self.enterEnding() }
        return true
    }

    /// True when the watcher's stream may hand over more events.
    func hasRoom(writable: Bool) -> Bool {
        self.slots.count < self.capacity && writable
    }

    // MARK: Writing

    /// Takes the leading replies whose changes are durable (or lost: those become `ERR UNAVAILABLE`), in order. If
    /// the next reply waits for the log, `wait` is its ticket (once: a callback is already registered otherwise).
    /// Each reply is handed to `write` with its request's timing, in order (no list of them is built).
    mutating func takeWritable(
        _ durability: (CommitToken) -> Durability, write: (Response, Timing?) -> Void
    ) -> Writable {
        var writable = Writable()
        guard !self.isDone, !self.slots.isEmpty else { return writable }
        // The newest durable point learnt: a reply of that generation at or below it needs no lookup.
        var known = CommitToken.none
        if let last = self.lastDecidedToken(), case .durable = durability(last) { known = last }
        loop: while let slot = self.slots.first {
            let answer: Response
            let token: CommitToken
            let timing: Timing?
            switch slot {
            case .pending:
                break loop
            case .close:
                writable.halfClose = true
                self.slots.removeAll()
                break loop
            case .reply(let response, let replyToken, let replyTiming):
                (answer, token, timing) = (response, replyToken, replyTiming)
            case .event(let response, let eventToken):
                (answer, token, timing) = (response, eventToken, nil)
            }
            var lost: SeatError? = nil
            if token.lsn > 0, !(token.epoch == known.epoch && token.lsn <= known.lsn) {
                switch durability(token) {
                case .durable:
                    known = token
                case .lost(let error):
                    lost = error
                case .waiting(let ticket):
                    if !self.awaitingDurable {
                        self.awaitingDurable = true
                        writable.wait = ticket
                    }
                    break loop
                }
            }
            self.slots.removeFirst()
            self.firstSlot += 1
            write(lost.map(Response.failure) ?? answer, timing)
            if case .event = slot, lost != nil {
                // A watcher never sees a later event after a lost one.
                writable.halfClose = true
                self.slots.removeAll()
                break loop
            }
        }
        if writable.halfClose { self.enterEnding() }
        return writable
    }

    /// The durability callback fired: the next `takeWritable` asks again.
    mutating func durabilityDecided() {
        self.awaitingDurable = false
    }

    /// The token of the last reply of the leading run that is decided: if it is durable, so is every reply of its
    /// generation before it.
    private func lastDecidedToken() -> CommitToken? {
        var last: CommitToken? = nil
        for slot in self.slots {
            switch slot {
            case .reply(_, let token, _), .event(_, let token):
                if token.lsn > 0 { last = token }
            case .pending, .close:
                return last
            }
        }
        return last
    }

    // MARK: Closing

    /// The output half-closes after the last reply. False when it is done already.
    mutating func halfClose() -> Bool {
        switch self.lifecycle {
        case .halfClosed, .closed:
            return false
        case .ending(let draining):
            self.lifecycle = .halfClosed(draining: draining)
        case .draining:
            self.lifecycle = .halfClosed(draining: true)
        case .reading, .backpressured, .inputClosed:
            self.lifecycle = .halfClosed(draining: false)
        }
        return true
    }

    /// After EOF or the drain: whether every line read is executed and decided, and if every reply has left, how
    /// the connection ends.
    func finish() -> Finish {
        let draining: Bool
        switch self.lifecycle {
        case .inputClosed: draining = false
        case .draining: draining = true
        case .reading, .backpressured, .ending, .halfClosed, .closed: return .none
        }
        guard self.inputs.isEmpty, self.outstanding == 0 else { return .none }
        guard self.slots.isEmpty else { return .streamEnds }
        return draining ? .halfClose : .close
    }

    /// The channel is gone: nothing more is read, executed or written.
    mutating func channelClosed() {
        self.lifecycle = .closed
        self.inputs.removeAll()
        self.slots.removeAll()
    }
}
