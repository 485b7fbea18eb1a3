import DequeModule

/// The life of one `seatd cli` connection, without a socket: the requests in flight, oldest first, each with the
/// waiter its reply goes to, and whether the connection is still open. seatd answers in request order, so a line
/// answers the oldest waiter; a line that arrives with no request in flight (an `EVENT` of a WATCH, an `ERR` the
/// server sends as it closes) is unsolicited. `CLIHandler` asks it what to do at each NIO callback.
struct CLIStateMachine<Waiter> {
    /// Open until the channel goes inactive; then every send fails at once.
    enum Lifecycle: Equatable {
        case open
        case closed
    }

    /// What to do with a request about to be sent.
    enum SendAction {
        /// Write it: its waiter now waits for the next unclaimed reply.
        case write
        /// The connection is closed: tell the waiter there will be no reply.
        case fail(Waiter)
    }

    /// What a line that arrived is.
    enum LineAction {
        /// The reply to the oldest request in flight: give it to this waiter.
        case answer(Waiter)
        /// No request is in flight: the server said this by itself.
        case unsolicited
    }

    private(set) var lifecycle: Lifecycle = .open
    private var waiters: Deque<Waiter> = []

    /// Requests sent and not yet answered.
    var inFlight: Int { self.waiters.count }

    /// A request with `waiter` for its reply is about to be written.
    mutating func send(_ waiter: Waiter) -> SendAction {
        switch self.lifecycle {
        case .open:
            self.waiters.append(waiter)
            return .write
        case .closed:
            return .fail(waiter)
        }
    }

    /// A line came in.
    mutating func received() -> LineAction {
        guard let waiter = self.waiters.popFirst() else { return .unsolicited }
        return .answer(waiter)
    }

    /// The connection ended: returns the waiters that will get no reply, oldest first.
    mutating func closed() -> [Waiter] {
        self.lifecycle = .closed
        defer { self.waiters.removeAll() }
        return Array(self.waiters)
    }
}
