/// `WATCH <session>|*` as a sequence of events, on a connection of its own. When the connection drops (or the
/// server closes it with `ERR BUSY`, `UNAVAILABLE` or `TRYAGAIN`), it reconnects, sends AUTH again and resumes with
/// `from=<last seq + 1>`, so every event comes once, in seq order. It throws `SeatdError.trimmed` when the server
/// no longer holds the events to resume from, any other `ERR` to WATCH as its error, and the last connection
/// failure once it could not reconnect within `watchReconnectTimeout`.
public struct WatchEvents: AsyncSequence, Sendable {
    public typealias Element = Event

    let client: SeatdClient
    let target: String
    let from: UInt64?

    public func makeAsyncIterator() -> Iterator {
        Iterator(WatchState(client: self.client, target: self.target, from: self.from))
    }

    /// Reads the events; each iterator has its own connection, closed when the iterator goes.
    public struct Iterator: AsyncIteratorProtocol {
        let state: WatchState

        init(_ state: WatchState) { self.state = state }

        public mutating func next() async throws -> Event? { try await self.state.next() }
    }
}

extension SeatdClient {
    /// The events of `session` (or `"*"` for every session) from seq `from` on (inclusive), or, when nil, those
    /// after now (the client reads `STATS` first, so that even its first reconnection knows where to resume).
    public func watch(_ session: String, from: UInt64? = nil) -> WatchEvents {
        WatchEvents(client: self, target: session, from: from)
    }
}

/// One watcher's connection and where it is in the stream.
final class WatchState {
    private let client: SeatdClient
    private let target: String
    /// The seq to resume from; nil until known.
    private var nextSeq: UInt64?
    private var connection: Connection?
    private var lines: AsyncThrowingStream<String, any Error>.AsyncIterator?

    init(client: SeatdClient, target: String, from: UInt64?) {
        self.client = client
        self.target = target
        self.nextSeq = from
    }

    deinit { self.connection?.close() }

    func next() async throws(SeatdError) -> Event? {
        while true {
            if self.lines == nil { try await self.connect() }
            let line: String?
            do {
                line = try await self.lines?.next(isolation: #isolation)
            } catch {
                self.drop()
                continue
            }
            guard let line else {
                self.drop()
                continue
            }
            if line.hasPrefix("EVENT ") {
                let event = try ReplyParser.event(line)
                if let next = self.nextSeq, event.seq < next { continue }  // already delivered
                self.nextSeq = event.seq + 1
                return event
            }
            switch SeatdError(replyLine: line) {
            case .busy, .unavailable, .tryAgain: self.drop()
            case let error?: throw error
            case nil: throw .protocolViolation("not an event: \(line)")
            }
        }
    }

    private func drop() {
        self.connection?.close()
        self.connection = nil
        self.lines = nil
    }

    /// Opens a connection and sends WATCH, trying again until `watchReconnectTimeout` runs out. An `ERR` reply to
    /// WATCH is thrown at once (TRIMMED, NO_SUCH_SESSION, NOAUTH...).
    private func connect() async throws(SeatdError) {
        let configuration = self.client.configuration
        let deadline = ContinuousClock.now + configuration.watchReconnectTimeout
        var pause = configuration.retryBackoff
        while true {
            do {
                try await self.attempt(configuration)
                return
            } catch  where Self.isConnectionFailure(error) {
                guard ContinuousClock.now + pause < deadline else { throw error }
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            }
        }
    }

    private static func isConnectionFailure(_ error: SeatdError) -> Bool {
        switch error {
        case .notConnected, .connectionLost, .timeout, .busy, .unavailable, .tryAgain: true
        default: false
        }
    }

    private func attempt(_ configuration: SeatdClient.Configuration) async throws(SeatdError) {
        if self.nextSeq == nil { self.nextSeq = try await self.client.stats().lastLSN + 1 }
        let connection = try await Connection.open(
            host: configuration.host, port: configuration.port, token: configuration.token,
            group: configuration.eventLoopGroup, timeout: configuration.connectTimeout)
        let (stream, continuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let reply: String
        do {
            reply = try await connection.stream(
                "WATCH \(self.target) from=\(self.nextSeq ?? 1)", timeout: configuration.requestTimeout,
                into: continuation)
            _ = try ReplyParser.fields(reply)
        } catch {
            connection.close()
            throw error
        }
        self.connection = connection
        self.lines = stream.makeAsyncIterator()
    }
}
