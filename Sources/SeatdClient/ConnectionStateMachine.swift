import NIOCore

/// The life of one client connection, without the channel: the requests written and waiting for their replies
/// (first in, first out: replies come in request order), and whether it has turned into an event stream (after
/// WATCH's `OK`) or closed. The handler asks it what to do at each channel event and carries out its answer.
struct ConnectionStateMachine {
    /// A request written and not yet answered.
    struct Pending {
        /// Resumed with the reply line, or with the `SeatdError` that ended the wait.
        let continuation: UnsafeContinuation<String, any Error>
        let deadline: NIODeadline
        /// WATCH: an `OK` reply turns the connection into a stream of events.
        let startsStream: Bool
    }

    enum State {
        case requests(CircularBuffer<Pending>)
        case streaming
        case closed(SeatdError)
    }

    private(set) var state: State = .requests(CircularBuffer(initialCapacity: 16))

    enum SendAction {
        case write
        case fail(SeatdError)
    }

    /// A request is to be written.
    mutating func send(_ pending: Pending) -> SendAction {
        switch self.state {
        case .requests(var queue):
            self.state = .streaming  // no copy of the buffer while it grows
            queue.append(pending)
            self.state = .requests(queue)
            return .write
        case .streaming: return .fail(.protocolViolation("the connection is streaming events"))
        case .closed(let error): return .fail(Self.unsent(error))
        }
    }

    enum LineAction {
        /// The reply of this request.
        case reply(Pending)
        /// An event of the stream.
        case streamed
        /// A line nobody asked for: the server is closing the connection (`ERR BUSY`, `ERR NOAUTH ...`) or broke
        /// the protocol; close, failing every waiting request with this error.
        case close(SeatdError)
    }

    /// A line arrived.
    mutating func received(_ line: String) -> LineAction {
        switch self.state {
        case .requests(var queue):
            guard !queue.isEmpty else {
                return .close(SeatdError(replyLine: line) ?? .protocolViolation("a reply with no request: \(line)"))
            }
            self.state = .streaming
            let pending = queue.removeFirst()
            let streams = pending.startsStream && line == "OK"
            if !streams { self.state = .requests(queue) }
            return .reply(pending)
        case .streaming: return .streamed
        case .closed: return .streamed
        }
    }

    /// The deadline of the oldest request, if any.
    var nextDeadline: NIODeadline? {
        guard case .requests(let queue) = self.state else { return nil }
        return queue.first?.deadline
    }

    /// Whether the oldest request has run out of time at `now`.
    func isOverdue(at now: NIODeadline) -> Bool { self.nextDeadline.map { $0 <= now } ?? false }

    /// The connection closed (or is being closed) because of `error`: the requests to fail, the oldest first.
    mutating func close(_ error: SeatdError) -> [Pending] {
        switch self.state {
        case .requests(let queue):
            self.state = .closed(error)
            return Array(queue)
        case .streaming:
            self.state = .closed(error)
            return []
        case .closed: return []
        }
    }

    var isClosed: Bool {
        if case .closed = self.state { return true }
        return false
    }

    /// A request that could not be written because of a close for `error` was not carried out.
    private static func unsent(_ error: SeatdError) -> SeatdError {
        switch error {
        case .connectionLost(let why), .notConnected(let why): .notConnected(why)
        case .timeout: .notConnected("the connection was closed after a timeout")
        default: error
        }
    }
}
