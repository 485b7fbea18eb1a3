import NIOCore
import SeatdTestSupport

/// A request/reply client that runs set up and check with: a `LineClient` to one server, or a `ClusterClient`.
protocol LineSender: AnyObject, Sendable {
    var wire: Wire { get }
    /// Sends each request and returns one reply per request, in order.
    func send(_ requests: [String]) async throws -> [String]
    func close() async
}

extension LineClient: LineSender {
    /// Sends one request and waits at most `timeoutMs` for its reply; throws if none came (the connection is then
    /// closed: a stopped node keeps it open and answers nothing) or the connection dropped.
    func send(_ line: String, timeoutMs: Int) async throws -> String {
        try await withThrowingTaskGroup(of: String?.self) { tasks in
            tasks.addTask { try await self.send([line])[0] }
            tasks.addTask {
                try? await Task.sleep(for: .milliseconds(timeoutMs))
                return nil
            }
            guard case .some(.some(let reply)) = try await tasks.next() else {
                await self.close()
                tasks.cancelAll()
                throw LoadError("no reply to \(line) within \(timeoutMs) ms")
            }
            tasks.cancelAll()
            return reply
        }
    }
}

/// A request/reply client of a seatd cluster, one request at a time: the admin client of the scenarios with
/// `--cluster`, and each client of the failover run. It follows MOVED to the primary, waits out TRYAGAIN (and,
/// when asked, UNAVAILABLE) and sends the request again, and when its connection drops or a reply is overdue it
/// reconnects to the listed addresses in turn and sends the request again; the answer says whether the request's
/// outcome was ever in doubt. Unchecked Sendable: one task uses it at a time.
final class ClusterClient: LineSender, @unchecked Sendable {
    /// The answer to one request.
    struct Answer: Sendable {
        var reply: String
        /// The node that answered.
        var address: Target
        /// An attempt before the answer got no reply, TRYAGAIN or UNAVAILABLE: it may or may not have been done
        /// (a keyed change sent again answers like its first attempt).
        var indeterminate: Bool
        /// When the first attempt was sent and when the answer came (`LoadClock`).
        var startNs: UInt64
        var endNs: UInt64
    }

    let wire = Wire.seatd
    private let settings: ClusterSettings
    private let token: String?
    private let group: any EventLoopGroup
    private let retryUnavailable: Bool
    private var route: ClusterRoute
    private var client: LineClient?
    private var connections = 0
    private(set) var counts = ClusterCounts()

    /// With `retryUnavailable`, `ERR UNAVAILABLE` is waited out like TRYAGAIN instead of being the answer.
    init(_ settings: ClusterSettings, token: String? = nil, group: any EventLoopGroup, retryUnavailable: Bool = false) {
        self.settings = settings
        self.token = token
        self.group = group
        self.retryUnavailable = retryUnavailable
        self.route = ClusterRoute(settings.addresses, start: settings.start)
    }

    func send(_ requests: [String]) async throws -> [String] {
        var replies: [String] = []
        for request in requests { replies.append(try await self.request(request).reply) }
        return replies
    }

    /// Sends `line` until a node answers it; throws when none has for `unreachableMsMax`.
    func request(_ line: String) async throws -> Answer {
        let startNs = LoadClock.nowNs
        let deadlineNs = startNs + UInt64(self.settings.unreachableMsMax) * 1_000_000
        var indeterminate = false
        while true {
            guard LoadClock.nowNs < deadlineNs else {
                throw LoadError(
                    "no node of the \(self.settings.description) answered \(line) within \(self.settings.unreachableMsMax) ms"
                )
            }
            let reply: String
            do {
                reply = try await self.exchange(line)
            } catch is Unreachable {
                self.route.dropped()
                try await self.pause(self.route.delayMs)
                continue
            } catch {
                // No reply: the request may or may not have been done.
                await self.disconnect()
                self.counts.resent += 1
                indeterminate = true
                self.route.dropped()
                try await self.pause(self.route.delayMs)
                continue
            }
            switch ClusterReply(Substring(reply)) {
            case .moved(_, let address):
                self.counts.moved += 1
                self.route.moved(to: address)
                await self.disconnect()
                try await self.pause(self.route.delayMs)
            case .tryAgain(let delayMs):
                self.counts.tryAgain += 1
                indeterminate = true
                try await self.pause(delayMs)
            case .unavailable where self.retryUnavailable:
                self.counts.unavailable += 1
                indeterminate = true
                try await self.pause(ClusterReply.tryAgainDelayMsDefault)
            case .unavailable, .answer:
                self.route.answered()
                return Answer(
                    reply: reply, address: self.route.current, indeterminate: indeterminate, startNs: startNs,
                    endNs: LoadClock.nowNs)
            }
        }
    }

    func close() async { await self.disconnect() }

    /// The connection could not be made.
    private struct Unreachable: Error {}

    /// One attempt: connects if need be, sends, and waits at most `replyTimeoutMs` for the reply.
    private func exchange(_ line: String) async throws -> String {
        let client: LineClient
        if let connected = self.client {
            client = connected
        } else {
            guard let connected = try? await LineClient.connect(self.route.current, group: self.group) else {
                throw Unreachable()
            }
            if let token = self.token {
                // A dropped open channel traps in NIO: close it before giving up.
                do { try await connected.ok("AUTH \(token)") } catch {
                    await connected.close()
                    throw Unreachable()
                }
            }
            client = connected
            self.client = client
            self.connections += 1
            if self.connections > 1 { self.counts.reconnects += 1 }
        }
        return try await client.send(line, timeoutMs: self.settings.replyTimeoutMs)
    }

    private func disconnect() async {
        await self.client?.close()
        self.client = nil
    }

    private func pause(_ ms: Int) async throws {
        if ms > 0 { try await Task.sleep(for: .milliseconds(ms)) }
    }
}
